// The standalone wiring's bus: events go straight to in-process handlers, after the publisher's
// current task, so publishing stays as cheap as with Kafka. Batch handlers get every event
// published in the meantime at once. A failing handler is retried with backoff, as a Kafka
// consumer would be redelivered the message.
import { Logger } from '@assay/platform';
import type { BatchHandler, BusEvent, EventHandler, EventPublisher, EventSubscriber } from './event-bus';

const MAX_RETRY_DELAY_MS = 5_000;

interface BatchSubscription {
  handler: BatchHandler;
  pending: BusEvent[];
  scheduled: boolean;
}

export class InProcessBus implements EventPublisher, EventSubscriber {
  private readonly subscriptions = new Map<string, BatchSubscription[]>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly log = new Logger('in-process-bus');
  private closed = false;

  publish(event: BusEvent): void {
    for (const sub of this.subscriptions.get(event.topic) ?? []) {
      sub.pending.push(event);
      if (!sub.scheduled) {
        sub.scheduled = true;
        this.track(this.deliver(sub));
      }
    }
  }

  async subscribe(groupId: string, topics: string[], handler: EventHandler): Promise<void> {
    await this.subscribeBatch(groupId, topics, async (events) => {
      for (const e of events) await handler(e);
    });
  }

  async subscribeBatch(_groupId: string, topics: string[], handler: BatchHandler): Promise<void> {
    // One subscription object across its topics, so a batch can mix them as a Kafka batch would not,
    // but in publish order.
    const sub: BatchSubscription = { handler, pending: [], scheduled: false };
    for (const topic of topics) this.subscriptions.set(topic, [...(this.subscriptions.get(topic) ?? []), sub]);
  }

  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliver(sub: BatchSubscription): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const batch = sub.pending;
    sub.pending = [];
    sub.scheduled = false;
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
