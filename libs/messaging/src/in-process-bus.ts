// The standalone wiring's bus: events go to in-process handlers without the publisher waiting.
// Batch handlers get events in batches: a batch starts one window after the first event waiting
// for it, and never sooner than one window after the previous batch of the same handler started,
// so a database consumer commits at most once per window whatever the request rate (on this path
// each write is a round trip and a commit, and the database shares the cores with the requests).
// Only a full batch (maxBatchSize) goes at once. A failing handler is retried with backoff, as a
// Kafka consumer would be redelivered the messages. Batches that are due together start one per
// event-loop turn: each handler's synchronous part (decoding, pricing, building its statement)
// then runs between requests instead of all of them in one stall that every request waits out.
import { Logger } from '@assay/platform';
import type { BatchHandler, BusEvent, EventHandler, EventPublisher, EventSubscriber } from './event-bus';

const MAX_RETRY_DELAY_MS = 5_000;

export interface InProcessBusOptions {
  /** Why 25 ms: invisible next to an LLM call, yet it turns hundreds of writes a second into at most 40. */
  batchWindowMs?: number;
  /** Why 1,000: one multi-row statement stays well under PostgreSQL's parameter and size limits. */
  maxBatchSize?: number;
}

interface Subscription {
  handler: BatchHandler;
  pending: BusEvent[];
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
  /** When the last batch started (performance.now()), to keep batches a window apart. */
  lastStartedAt: number;
  /** Events published to / handled by this subscription so far; in order, so counts suffice. */
  published: number;
  delivered: number;
}

export class InProcessBus implements EventPublisher, EventSubscriber {
  private readonly subscriptions = new Map<string, Subscription[]>();
  private readonly all: Subscription[] = [];
  private readonly log = new Logger('in-process-bus');
  private readonly batchWindowMs: number;
  private readonly maxBatchSize: number;
  private closed = false;
  /** Batches waiting for their turn to start, and whether the next turn is scheduled. */
  private readonly turns: Array<() => void> = [];
  private turnScheduled = false;

  constructor(options: InProcessBusOptions = {}) {
    this.batchWindowMs = options.batchWindowMs ?? 25;
    this.maxBatchSize = options.maxBatchSize ?? 1_000;
  }

  publish(event: BusEvent): void {
    for (const sub of this.subscriptions.get(event.topic) ?? []) {
      sub.pending.push(event);
      sub.published++;
      if (sub.running) continue; // scheduled when the running batch is done
      if (sub.pending.length >= this.maxBatchSize) this.run(sub);
      else sub.timer ??= setTimeout(() => this.run(sub), this.batchWindowMs);
    }
  }

  /** After a batch: the next one a window after this one started, or at once when it is full. */
  private scheduleNext(sub: Subscription): void {
    if (sub.pending.length === 0 || this.closed) return;
    if (sub.pending.length >= this.maxBatchSize) return this.run(sub);
    const wait = Math.max(0, sub.lastStartedAt + this.batchWindowMs - performance.now());
    sub.timer ??= setTimeout(() => this.run(sub), wait);
  }

  async subscribe(groupId: string, topics: string[], handler: EventHandler): Promise<void> {
    await this.subscribeBatch(groupId, topics, async (events) => {
      for (const e of events) await handler(e);
    });
  }

  async subscribeBatch(_groupId: string, topics: string[], handler: BatchHandler): Promise<void> {
    const sub: Subscription = { handler, pending: [], timer: null, running: null, lastStartedAt: 0, published: 0, delivered: 0 };
    this.all.push(sub);
    for (const topic of topics) this.subscriptions.set(topic, [...(this.subscriptions.get(topic) ?? []), sub]);
  }

  /**
   * The in-process bus keeps no history, so there is nothing to catch up on: the table is what is
   * published from now on (standalone publishers republish their tables at start).
   */
  async subscribeCompacted(groupPrefix: string, topic: string, handler: BatchHandler): Promise<void> {
    await this.subscribeBatch(groupPrefix, [topic], handler);
  }

  /**
   * Delivers everything published so far, without waiting for the batch window. Only that: under
   * steady traffic there is always something newer pending, and waiting for it too would never end.
   */
  async flush(): Promise<void> {
    const targets = this.all.map((sub) => ({ sub, published: sub.published }));
    for (;;) {
      const behind = targets.filter((t) => t.sub.delivered < t.published).map((t) => t.sub);
      if (behind.length === 0) return;
      for (const s of behind) if (!s.running) this.run(s);
      await Promise.all(behind.map((s) => s.running));
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private run(sub: Subscription): void {
    if (sub.timer) clearTimeout(sub.timer);
    sub.timer = null;
    sub.lastStartedAt = performance.now();
    sub.running = new Promise<void>((resolve) => this.inOwnTurn(() => resolve(this.deliver(sub, sub.pending.splice(0, this.maxBatchSize))))).finally(() => {
      sub.running = null;
      this.scheduleNext(sub);
    });
  }

  /**
   * Runs `start` in a later event-loop turn than any start already waiting: setImmediate callbacks
   * queued while one runs wait for the next turn, after pending I/O, and the next start is queued
   * only after this one's synchronous part is over.
   */
  private inOwnTurn(start: () => void): void {
    this.turns.push(start);
    this.scheduleTurn();
  }

  private scheduleTurn(): void {
    if (this.turnScheduled || this.turns.length === 0) return;
    this.turnScheduled = true;
    setImmediate(() => {
      this.turnScheduled = false;
      this.turns.shift()!();
      this.scheduleTurn();
    });
  }

  private async deliver(sub: Subscription, batch: BusEvent[]): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await sub.handler(batch);
        sub.delivered += batch.length;
        return;
      } catch (err) {
        this.log.error('event handler failed; retrying', { events: batch.length, attempt, error: String(err) });
        await new Promise((r) => setTimeout(r, Math.min(MAX_RETRY_DELAY_MS, 50 * 2 ** attempt)));
      }
    }
  }
}
