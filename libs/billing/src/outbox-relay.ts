// Moves committed outbox rows to the event bus (the finance topic) and marks them published once
// the bus has them. At-least-once: a crash between publishing and marking republishes, and
// consumers dedupe on the entry id, which is also the event id.
import type { EventPublisher } from '@assay/messaging';
import { Logger } from '@assay/platform';
import type { DataSource } from 'typeorm';

/** Why 500: one broker round trip per few hundred entries keeps up with any realistic ledger rate. */
const BATCH = 500;

export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private readonly log = new Logger('outbox-relay');

  constructor(private readonly db: DataSource, private readonly events: EventPublisher, private readonly intervalMs = 200) {}

  start(): void {
    this.timer = setInterval(() => void this.relayOnce().catch((err) => this.log.warn('relay failed; will retry', { error: String(err) })), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Publishes what is waiting; returns how many rows were relayed. */
  relayOnce(): Promise<number> {
    this.running ??= this.relay().finally(() => (this.running = null));
    return this.running;
  }

  private async relay(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows: Array<{ id: string; event_id: string; topic: string; key: string; payload: Buffer }> = await this.db.query(
        `SELECT id, event_id, topic, key, payload FROM billing.outbox WHERE published_at IS NULL ORDER BY id LIMIT ${BATCH}`,
      );
      if (rows.length === 0) return total;
      for (const r of rows) this.events.publish({ topic: r.topic, key: r.key, id: r.event_id, value: r.payload });
      await this.events.flush();
      await this.db.query(`UPDATE billing.outbox SET published_at = now() WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      total += rows.length;
      // A short page means the backlog is drained. Going round again would pick up what was
      // written meanwhile, and on the in-process bus the flush above makes billing write more,
      // so the relay and billing would drive each other in a loop of tiny batches.
      if (rows.length < BATCH) return total;
    }
  }
}
