import type { BusEvent } from './event-bus';
import { InProcessBus } from './in-process-bus';

function event(n: number): BusEvent {
  return { topic: 't', key: 'tenant', id: `e${n}`, value: Buffer.from(String(n)) };
}

/** A batch handler whose batches the test finishes by hand, recording when each one started. */
class ManualHandler {
  batches: Array<{ at: number; ids: string[] }> = [];
  private finish: Array<() => void> = [];

  readonly handle = (events: BusEvent[]): Promise<void> => {
    this.batches.push({ at: Date.now(), ids: events.map((e) => e.id) });
    return new Promise((resolve) => this.finish.push(resolve));
  };

  /** Finishes the oldest running batch. */
  done(): void {
    this.finish.shift()?.();
  }
}

describe('InProcessBus batching', () => {
  let bus: InProcessBus;
  let handler: ManualHandler;
  let t0: number;

  beforeEach(async () => {
    // Batches start on a later event-loop turn (setImmediate), which is not a matter of time.
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    t0 = Date.now();
    bus = new InProcessBus({ batchWindowMs: 100, maxBatchSize: 5 });
    handler = new ManualHandler();
    await bus.subscribeBatch('g', ['t'], handler.handle);
  });

  afterEach(() => jest.useRealTimers());

  const startedAt = () => handler.batches.map((b) => b.at - t0);

  it('delivers what was published within a window as one batch, a window after the first event', async () => {
    bus.publish(event(1));
    await jest.advanceTimersByTimeAsync(40);
    bus.publish(event(2));
    await jest.advanceTimersByTimeAsync(59);
    expect(handler.batches).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(handler.batches).toEqual([{ at: t0 + 100, ids: ['e1', 'e2'] }]);
  });

  it('starts the next batch no sooner than a window after the previous one started, however quickly it finished', async () => {
    bus.publish(event(1));
    await jest.advanceTimersByTimeAsync(100);
    bus.publish(event(2)); // arrives while the first batch is being handled
    await jest.advanceTimersByTimeAsync(10);
    handler.done();
    bus.publish(event(3));
    await jest.advanceTimersByTimeAsync(89);
    expect(handler.batches).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(startedAt()).toEqual([100, 200]);
    expect(handler.batches[1].ids).toEqual(['e2', 'e3']);
  });

  it('starts the next batch as soon as a batch that outlasted its window is done', async () => {
    bus.publish(event(1));
    await jest.advanceTimersByTimeAsync(100);
    bus.publish(event(2));
    await jest.advanceTimersByTimeAsync(250);
    expect(handler.batches).toHaveLength(1);
    handler.done();
    await jest.advanceTimersByTimeAsync(0);
    expect(startedAt()).toEqual([100, 350]);
  });

  it('delivers a full batch at once', async () => {
    for (let i = 1; i <= 5; i++) bus.publish(event(i));
    await jest.advanceTimersByTimeAsync(0);
    expect(handler.batches).toEqual([{ at: t0, ids: ['e1', 'e2', 'e3', 'e4', 'e5'] }]);
  });

  it('flush delivers everything waiting without waiting for the window', async () => {
    bus.publish(event(1));
    const flushed = bus.flush();
    await jest.advanceTimersByTimeAsync(0);
    expect(startedAt()).toEqual([0]);
    handler.done();
    await flushed;
  });

  it('retries a failing batch with the same events until the handler succeeds', async () => {
    const seen: string[][] = [];
    let failures = 2;
    const retrying = new InProcessBus({ batchWindowMs: 100 });
    await retrying.subscribeBatch('g', ['t'], async (events) => {
      seen.push(events.map((e) => e.id));
      if (failures-- > 0) throw new Error('database unavailable');
    });
    retrying.publish(event(1));
    await jest.advanceTimersByTimeAsync(100 + 50 + 100);
    expect(seen).toEqual([['e1'], ['e1'], ['e1']]);
  });
});

describe('InProcessBus turns', () => {
  it('starts batches that are due together in separate event-loop turns, so other work runs between them', async () => {
    const bus = new InProcessBus({ batchWindowMs: 5 });
    const order: string[] = [];
    let bDone!: () => void;
    const bHandled = new Promise<void>((r) => (bDone = r));
    await bus.subscribeBatch('a', ['t'], async () => {
      order.push('handler a');
      setImmediate(() => order.push('work queued meanwhile'));
    });
    await bus.subscribeBatch('b', ['t'], async () => {
      order.push('handler b');
      bDone();
    });
    bus.publish(event(1));
    await bHandled;
    expect(order).toEqual(['handler a', 'work queued meanwhile', 'handler b']);
  });
});

describe('InProcessBus.flush', () => {
  it('returns once what was published before it is handled, however much keeps arriving', async () => {
    const bus = new InProcessBus({ batchWindowMs: 100 });
    const seen: string[] = [];
    let n = 0;
    let feeding = true;
    // Every batch handled publishes another event, as a relay feeding a busy bus would: a flush
    // that waited for an empty bus would never return.
    await bus.subscribeBatch('g', ['t'], async (events) => {
      seen.push(...events.map((e) => e.id));
      if (feeding) bus.publish(event(++n + 100));
    });
    bus.publish(event(1));
    bus.publish(event(2));
    await bus.flush();
    feeding = false;
    expect(seen).toEqual(['e1', 'e2']);
    await bus.close();
  });
});
