// The event bus port. Producers publish without waiting (the hot path never blocks on the
// broker); consumers get at-least-once delivery and must be idempotent on `id`.

export interface BusEvent {
  topic: string;
  /** Partition key: the tenant id, so one tenant's events stay in order. */
  key: string;
  /** Unique per event; consumers dedupe on it. */
  id: string;
  value: Uint8Array;
}

export interface EventPublisher {
  /** Accepts the event for delivery and returns at once. Never throws for broker trouble. */
  publish(event: BusEvent): void;
  /** Resolves when everything published so far is delivered (or spilled to disk on close). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export type EventHandler = (event: BusEvent) => Promise<void>;

/** Handles many events at once (one database transaction for all, say); all or nothing. */
export type BatchHandler = (events: BusEvent[]) => Promise<unknown>;

export interface EventSubscriber {
  subscribe(groupId: string, topics: string[], handler: EventHandler): Promise<void>;
  subscribeBatch(groupId: string, topics: string[], handler: BatchHandler): Promise<void>;
  /**
   * Reads a compacted topic as a table: every message from the beginning, in a consumer group of
   * this process alone (`<groupPrefix>-<uuid>`: every replica needs all of it), then whatever
   * arrives later. Resolves once everything that was on the topic at the call has been handled,
   * so a caller can wait for the whole table before it acts on it.
   */
  subscribeCompacted(groupPrefix: string, topic: string, handler: BatchHandler): Promise<void>;
  close(): Promise<void>;
}

export const EVENT_PUBLISHER = Symbol('EventPublisher');
export const EVENT_SUBSCRIBER = Symbol('EventSubscriber');
