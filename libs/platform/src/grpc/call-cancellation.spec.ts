import { EventEmitter } from 'node:events';
import { callCancellation } from './call-cancellation';

describe('callCancellation', () => {
  it('aborts the work when the client cancels before the answer is out', () => {
    const call = new EventEmitter();
    const { signal } = callCancellation(call);
    call.emit('cancelled');
    expect(signal.aborted).toBe(true);
  });

  it('ignores the cancelled event grpc-js emits when an answered call closes', () => {
    const call = new EventEmitter();
    const cancellation = callCancellation(call);
    cancellation.settle();
    call.emit('cancelled');
    expect(cancellation.signal.aborted).toBe(false);
  });
});
