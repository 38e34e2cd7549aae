// The standalone wiring's bus: events go straight to in-process handlers, after the publisher's
// current task, so publishing stays as cheap as with Kafka. A failing handler is retried with
// backoff, as a Kafka consumer would be redelivered the message.
import { Logger } from '@assay/platform';
import type { BusEvent, EventHandler, EventPublisher, EventSubscriber } from './event-bus';

const MAX_RETRY_DELAY_MS = 5_000;

export class InProcessBus implements EventPublisher, EventSubscriber {
  private readonly handlers = new Map<string, EventHandler[]>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly log = new Logger('in-process-bus');
  private closed = false;

  publish(event: BusEvent): void {
    for (const handler of this.handlers.get(event.topic) ?? []) {
      const delivery = this.deliver(handler, event);
      this.inFlight.add(delivery);
      void delivery.finally(() => this.inFlight.delete(delivery));
    }
  }

  async subscribe(_groupId: string, topics: string[], handler: EventHandler): Promise<void> {
    for (const topic of topics) this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), handler]);
  }

  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private async deliver(handler: EventHandler, event: BusEvent): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await handler(event);
        return;
      } catch (err) {
        this.log.error('event handler failed; retrying', { topic: event.topic, id: event.id, attempt, error: String(err) });
        await new Promise((r) => setTimeout(r, Math.min(MAX_RETRY_DELAY_MS, 50 * 2 ** attempt)));
      }
    }
  }
}
