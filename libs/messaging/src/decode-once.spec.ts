import { ProviderAttempt, RequestCompleted, Topics } from '@assay/contracts';
import { decodeOnce } from './decode-once';
import type { BusEvent } from './event-bus';

const event = (eventId: string): BusEvent => ({
  topic: Topics.requestCompleted,
  key: 't1',
  id: eventId,
  value: RequestCompleted.encode(RequestCompleted.fromPartial({ eventId, servedModel: 'm' })).finish(),
});

describe('decodeOnce', () => {
  it('decodes an event once and hands every consumer that one message', () => {
    const e = event('e1');
    const decode = jest.spyOn(RequestCompleted, 'decode');
    const first = decodeOnce(RequestCompleted, e);
    const second = decodeOnce(RequestCompleted, e);
    expect(first).toBe(second);
    expect(first.eventId).toBe('e1');
    expect(decode).toHaveBeenCalledTimes(1);
    decode.mockRestore();
  });

  it('decodes another delivery of the same bytes on its own', () => {
    const e = event('e2');
    const redelivered = { ...e, value: Uint8Array.from(e.value) };
    expect(decodeOnce(RequestCompleted, redelivered)).not.toBe(decodeOnce(RequestCompleted, e));
    expect(decodeOnce(RequestCompleted, redelivered).eventId).toBe('e2');
  });

  it('never answers with a message cached for another codec', () => {
    const e = event('e3');
    decodeOnce(RequestCompleted, e);
    const decode = jest.spyOn(ProviderAttempt, 'decode');
    decodeOnce(ProviderAttempt, e);
    expect(decode).toHaveBeenCalledTimes(1);
    decode.mockRestore();
  });
});
