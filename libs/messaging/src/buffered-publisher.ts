// Publishes events without ever blocking the caller and without losing one when the broker is
// away: events wait in a bounded memory queue, overflow goes to an append-only spill file on local
// disk, and the spill is replayed once the broker answers again (also after a restart). Delivery
// is at-least-once; consumers dedupe on the event id.
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, appendFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@assay/platform';
import type { BusEvent, EventPublisher } from './event-bus';

export interface BatchSender {
  send(events: BusEvent[]): Promise<void>;
  close(): Promise<void>;
}

export interface BufferedPublisherOptions {
  spillDir: string;
  /** Why 10,000: a few seconds of peak traffic held in memory before touching the disk. */
  maxBuffered?: number;
  /** Why 500: large enough to amortise a broker round trip, small enough to keep latency low. */
  batchSize?: number;
  maxRetryDelayMs?: number;
  /**
   * How long a batch that is not full waits for more events before it is sent. Why 20 ms: off the
   * request path and invisible to consumers, yet at hundreds of events a second it turns a broker
   * round trip per handful of events into one per few dozen, which is the broker's CPU on a small box.
   */
  lingerMs?: number;
  /** How long close() keeps trying to deliver before it spills what is left. */
  closeTimeoutMs?: number;
}

interface SpilledEvent { topic: string; key: string; id: string; value: string }

export class BufferedPublisher implements EventPublisher {
  private queue: BusEvent[] = [];
  private pumping = false;
  private closing = false;
  private failures = 0;
  private replayLoaded = false;
  private spillWrites: Promise<void> = Promise.resolve();
  private idleWaiters: Array<() => void> = [];
  private readonly spillFile: string;
  private readonly replayFile: string;
  private readonly maxBuffered: number;
  private readonly batchSize: number;
  private readonly maxRetryDelayMs: number;
  private readonly lingerMs: number;
  private readonly closeTimeoutMs: number;
  private readonly log = new Logger('event-publisher');

  constructor(private readonly sender: BatchSender, options: BufferedPublisherOptions) {
    mkdirSync(options.spillDir, { recursive: true });
    this.spillFile = join(options.spillDir, 'events.spill.jsonl');
    this.replayFile = join(options.spillDir, 'events.replaying.jsonl');
    this.maxBuffered = options.maxBuffered ?? 10_000;
    this.batchSize = options.batchSize ?? 500;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
    this.lingerMs = options.lingerMs ?? 20;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    if (this.hasSpill()) this.schedulePump();
  }

  publish(event: BusEvent): void {
    if (this.queue.length >= this.maxBuffered) {
      this.spill([event]);
      return;
    }
    this.queue.push(event);
    this.schedulePump();
  }

  /** Number of events waiting in memory (not counting the spill file). */
  get pending(): number {
    return this.queue.length;
  }

  async flush(): Promise<void> {
    await this.spillWrites;
    if (!this.pumping && this.queue.length === 0 && !this.hasSpill()) return;
    this.schedulePump();
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    const delivered = this.flush().then(() => true);
    const timedOut = new Promise<boolean>((r) => setTimeout(() => r(false), this.closeTimeoutMs).unref());
    const ok = await Promise.race([delivered, timedOut]);
    this.closing = true;
    if (!ok && this.queue.length > 0) {
      // Last resort before exit: write synchronously so nothing is lost with the process.
      this.log.warn('broker unreachable at shutdown; spilling events to disk', { count: this.queue.length });
      appendFileSync(this.spillFile, this.queue.map(serialize).join(''));
      this.queue = [];
    }
    await this.spillWrites;
    await this.sender.close();
  }

  private schedulePump(): void {
    if (!this.pumping) {
      this.pumping = true;
      setImmediate(() => void this.pump());
    }
  }

  private async pump(): Promise<void> {
    try {
      while (!this.closing) {
        if (this.queue.length === 0 && !(await this.loadSpill())) break;
        if (this.queue.length < this.batchSize && this.lingerMs > 0) await new Promise((r) => setTimeout(r, this.lingerMs));
        const batch = this.queue.slice(0, this.batchSize);
        try {
          await this.sender.send(batch);
          this.queue.splice(0, batch.length);
          if (this.failures > 0) this.log.info('broker reachable again', { afterFailures: this.failures });
          this.failures = 0;
        } catch (err) {
          this.failures++;
          if (this.failures === 1 || this.failures % 20 === 0) {
            this.log.warn('event delivery failed; will retry', { failures: this.failures, queued: this.queue.length, error: String(err) });
          }
          const delay = Math.min(this.maxRetryDelayMs, 100 * 2 ** Math.min(this.failures, 10));
          await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random() / 2)));
        }
      }
    } finally {
      this.pumping = false;
      if (this.queue.length === 0) {
        for (const w of this.idleWaiters.splice(0)) w();
      }
    }
  }

  private spill(events: BusEvent[]): void {
    const lines = events.map(serialize).join('');
    this.spillWrites = this.spillWrites.then(() => appendFile(this.spillFile, lines)).catch((err) => {
      this.log.error('could not write spill file; events held in memory instead', { error: String(err) });
      this.queue.push(...events);
    });
  }

  private hasSpill(): boolean {
    return existsSync(this.replayFile) || existsSync(this.spillFile);
  }

  /** Moves spilled events back into the queue. The replay file is removed only once delivered. */
  private async loadSpill(): Promise<boolean> {
    await this.spillWrites;
    if (existsSync(this.replayFile)) {
      // The previous replay was delivered (the queue emptied), so it can go.
      if (this.replayLoaded) {
        unlinkSync(this.replayFile);
        this.replayLoaded = false;
      } else {
        this.queue.push(...readSpill(this.replayFile));
        this.replayLoaded = true;
        return this.queue.length > 0;
      }
    }
    if (!existsSync(this.spillFile)) return false;
    renameSync(this.spillFile, this.replayFile);
    this.queue.push(...readSpill(this.replayFile));
    this.replayLoaded = true;
    return this.queue.length > 0;
  }

}

function serialize(e: BusEvent): string {
  const s: SpilledEvent = { topic: e.topic, key: e.key, id: e.id, value: Buffer.from(e.value).toString('base64') };
  return JSON.stringify(s) + '\n';
}

function readSpill(file: string): BusEvent[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .flatMap((line) => {
      try {
        const s = JSON.parse(line) as SpilledEvent;
        return [{ topic: s.topic, key: s.key, id: s.id, value: Buffer.from(s.value, 'base64') }];
      } catch {
        // Only the last line can be torn, by a crash in the middle of a write; it was never acknowledged.
        return [];
      }
    });
}
