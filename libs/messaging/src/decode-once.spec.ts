import { RequestCompleted } from '@assay/contracts';
import { decodeOnce } from './decode-once';

describe('decodeOnce', () => {
  it('decodes the same event bytes once and hands every consumer that one message', () => {
    const bytes = RequestCompleted.encode(RequestCompleted.fromPartial({ eventId: 'e1', servedModel: 'm' })).finish();
    const decode = jest.spyOn(RequestCompleted, 'decode');
    const first = decodeOnce(RequestCompleted, bytes);
    const second = decodeOnce(RequestCompleted, bytes);
    expect(first).toBe(second);
    expect(first.eventId).toBe('e1');
    expect(decode).toHaveBeenCalledTimes(1);
    decode.mockRestore();
  });

  it('decodes equal bytes in another buffer on their own, as they are another event delivery', () => {
    const bytes = RequestCompleted.encode(RequestCompleted.fromPartial({ eventId: 'e2' })).finish();
    const copy = Uint8Array.from(bytes);
    expect(decodeOnce(RequestCompleted, copy)).not.toBe(decodeOnce(RequestCompleted, bytes));
    expect(decodeOnce(RequestCompleted, copy).eventId).toBe('e2');
  });
});
