import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BufferedPublisher, type BatchSender } from './buffered-publisher';
import type { BusEvent } from './event-bus';

/** A broker stand-in whose availability the test switches; it records what it accepted. */
class SwitchableSender implements BatchSender {
  up = true;
  delivered: BusEvent[] = [];
  failures = 0;
  private onFailure: (() => void) | null = null;

  async send(events: BusEvent[]): Promise<void> {
    if (!this.up) {
      this.failures++;
      this.onFailure?.();
      throw new Error('broker unreachable');
    }
    this.delivered.push(...events);
  }

  /** Resolves once a send has been refused `n` times in all. */
  refused(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => this.failures >= n && resolve();
      this.onFailure = check;
      check();
    });
  }
  async close(): Promise<void> {}
}

function event(n: number): BusEvent {
  return { topic: 't', key: 'tenant', id: `e${n}`, value: Buffer.from(String(n)) };
}

describe('BufferedPublisher', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'assay-spill-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers published events in batches without the caller waiting', async () => {
    const sender = new SwitchableSender();
    const publisher = new BufferedPublisher(sender, { spillDir: dir, batchSize: 10 });
    for (let i = 0; i < 25; i++) publisher.publish(event(i));
    expect(sender.delivered).toHaveLength(0);
    await publisher.flush();
    expect(sender.delivered.map((e) => e.id)).toEqual(Array.from({ length: 25 }, (_, i) => `e${i}`));
    await publisher.close();
  });

  it('holds a batch that is not full for the linger time, so events published meanwhile share one send', async () => {
    const sends: string[][] = [];
    const sender: BatchSender = { send: async (events) => void sends.push(events.map((e) => e.id)), close: async () => {} };
    const publisher = new BufferedPublisher(sender, { spillDir: dir, batchSize: 10, lingerMs: 50 });
    publisher.publish(event(1));
    // Published after the pump woke but well inside the linger time.
    await new Promise((r) => setImmediate(r));
    publisher.publish(event(2));
    await publisher.flush();
    expect(sends).toEqual([['e1', 'e2']]);
    await publisher.close();
  });

  it('sends a full batch without lingering', async () => {
    const sends: string[][] = [];
    const sender: BatchSender = { send: async (events) => void sends.push(events.map((e) => e.id)), close: async () => {} };
    // A linger longer than the test's timeout: only a full batch can be sent in time.
    const publisher = new BufferedPublisher(sender, { spillDir: dir, batchSize: 3, lingerMs: 60_000 });
    for (let i = 1; i <= 3; i++) publisher.publish(event(i));
    await publisher.flush();
    expect(sends).toEqual([['e1', 'e2', 'e3']]);
    await publisher.close();
  });

  it('keeps retrying while the broker is down and delivers everything once it is back', async () => {
    const sender = new SwitchableSender();
    sender.up = false;
    const publisher = new BufferedPublisher(sender, { spillDir: dir, maxRetryDelayMs: 5 });
    for (let i = 0; i < 5; i++) publisher.publish(event(i));
    const flushed = publisher.flush();
    await sender.refused(3);
    sender.up = true;
    await flushed;
    expect(sender.delivered.map((e) => e.id)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    await publisher.close();
  });

  it('spills overflow to disk and replays it, losing nothing', async () => {
    const sender = new SwitchableSender();
    sender.up = false;
    const publisher = new BufferedPublisher(sender, { spillDir: dir, maxBuffered: 3, maxRetryDelayMs: 5 });
    for (let i = 0; i < 10; i++) publisher.publish(event(i));
    expect(publisher.pending).toBe(3);
    await sender.refused(1);
    sender.up = true;
    await publisher.flush();
    expect(new Set(sender.delivered.map((e) => e.id))).toEqual(new Set(Array.from({ length: 10 }, (_, i) => `e${i}`)));
    expect(readdirSync(dir)).toEqual([]);
    await publisher.close();
  });

  it('writes undelivered events to disk at shutdown and sends them after a restart', async () => {
    const down = new SwitchableSender();
    down.up = false;
    const first = new BufferedPublisher(down, { spillDir: dir, closeTimeoutMs: 20, maxRetryDelayMs: 5 });
    for (let i = 0; i < 4; i++) first.publish(event(i));
    await first.close();
    expect(down.delivered).toHaveLength(0);

    const up = new SwitchableSender();
    const second = new BufferedPublisher(up, { spillDir: dir });
    await second.flush();
    expect(up.delivered.map((e) => e.id)).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(up.delivered[2].value.toString()).toBe('2');
    await second.close();
  });
});
