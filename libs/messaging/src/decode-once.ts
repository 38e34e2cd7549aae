// One decode per event per process. In the standalone process the in-process bus hands the same
// event bytes to metering, billing and the evaluator's cost recorder; each decoding them again was
// about a fifth of those consumers' work on the event loop (CPU profile at 500 req/s). The decoded
// message is shared by every consumer of that event, so it must never be mutated.
const decoded = new WeakMap<object, WeakMap<Uint8Array, unknown>>();

export interface MessageCodec<T> {
  decode(bytes: Uint8Array): T;
}

/** The message in `bytes`, decoded once however many consumers ask; read-only. */
export function decodeOnce<T>(codec: MessageCodec<T>, bytes: Uint8Array): T {
  let byBytes = decoded.get(codec);
  if (!byBytes) decoded.set(codec, (byBytes = new WeakMap()));
  let message = byBytes.get(bytes) as T | undefined;
  if (message === undefined) byBytes.set(bytes, (message = codec.decode(bytes)));
  return message;
}
