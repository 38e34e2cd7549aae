// The standalone wiring's bus: events go to in-process handlers without the publisher waiting.
// Batch handlers get events in batches: everything published within a short window, or while the
// previous batch was being handled, arrives at once, so a database consumer writes once per batch
// instead of once per event (on this path each write is a round trip and a commit). A failing
// handler is retried with backoff, as a Kafka consumer would be redelivered the messages.
import { Logger } from '@assay/platform';
import type { BatchHandler, BusEvent, EventHandler, EventPublisher, EventSubscriber } from './event-bus';

const MAX_RETRY_DELAY_MS = 5_000;

export interface InProcessBusOptions {
  /** Why 25 ms: invisible next to an LLM call, yet it turns hundreds of writes a second into ~40. */
  batchWindowMs?: number;
  /** Why 1,000: one multi-row statement stays well under PostgreSQL's parameter and size limits. */
  maxBatchSize?: number;
}

interface Subscription {
  handler: BatchHandler;
  pending: BusEvent[];
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
}

export class InProcessBus implements EventPublisher, EventSubscriber {
  private readonly subscriptions = new Map<string, Subscription[]>();
  private readonly all: Subscription[] = [];
  private readonly log = new Logger('in-process-bus');
  private readonly batchWindowMs: number;
  private readonly maxBatchSize: number;
  private closed = false;

  constructor(options: InProcessBusOptions = {}) {
    this.batchWindowMs = options.batchWindowMs ?? 25;
    this.maxBatchSize = options.maxBatchSize ?? 1_000;
  }

  publish(event: BusEvent): void {
    for (const sub of this.subscriptions.get(event.topic) ?? []) {
      sub.pending.push(event);
      if (sub.running) continue; // picked up when the running batch is done
      if (sub.pending.length >= this.maxBatchSize) this.run(sub);
      else sub.timer ??= setTimeout(() => this.run(sub), this.batchWindowMs);
    }
  }

  async subscribe(groupId: string, topics: string[], handler: EventHandler): Promise<void> {
    await this.subscribeBatch(groupId, topics, async (events) => {
      for (const e of events) await handler(e);
    });
  }

  async subscribeBatch(_groupId: string, topics: string[], handler: BatchHandler): Promise<void> {
    const sub: Subscription = { handler, pending: [], timer: null, running: null };
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

  /** Delivers everything published so far, without waiting for the batch window. */
  async flush(): Promise<void> {
    for (;;) {
      const busy = this.all.filter((s) => s.running || s.pending.length > 0);
      if (busy.length === 0) return;
      for (const s of busy) if (!s.running) this.run(s);
      await Promise.all(busy.map((s) => s.running));
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private run(sub: Subscription): void {
    if (sub.timer) clearTimeout(sub.timer);
    sub.timer = null;
    const batch = sub.pending.splice(0, this.maxBatchSize);
    sub.running = this.deliver(sub, batch).finally(() => {
      sub.running = null;
      if (sub.pending.length > 0) this.run(sub);
    });
  }

  private async deliver(sub: Subscription, batch: BusEvent[]): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await sub.handler(batch);
        return;
      } catch (err) {
        this.log.error('event handler failed; retrying', { events: batch.length, attempt, error: String(err) });
        await new Promise((r) => setTimeout(r, Math.min(MAX_RETRY_DELAY_MS, 50 * 2 ** attempt)));
      }
    }
  }
}
