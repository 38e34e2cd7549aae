// One decode per event per process. In the standalone process the in-process bus hands the same
// event object to metering, billing and the evaluator's cost recorder; each decoding its bytes
// again was about a fifth of those consumers' work on the event loop (CPU profile at 500 req/s).
// The decoded message is shared by every consumer of that event, so it must never be mutated.
//
// Why on the event and not in a WeakMap keyed by its bytes: a long-lived WeakMap sits in the old
// generation, and V8's young-generation collections keep whatever it maps to alive, so every
// decoded event was copied into the old generation and left there for the next full collection
// (`--trace-gc-nvp` at 500 req/s: ~0.6 MB more promoted per scavenge, scavenges 5-13 ms instead
// of 3-8). Cached on the event, the message dies young with it.
import type { BusEvent } from './event-bus';

const DECODED = Symbol('decoded');

interface WithDecoded {
  [DECODED]?: { codec: MessageCodec<unknown>; message: unknown };
}

export interface MessageCodec<T> {
  decode(bytes: Uint8Array): T;
}

/** The message in `event`'s bytes, decoded once however many consumers ask; read-only. */
export function decodeOnce<T>(codec: MessageCodec<T>, event: BusEvent): T {
  const holder = event as BusEvent & WithDecoded;
  const cached = holder[DECODED];
  if (cached?.codec === codec) return cached.message as T;
  const message = codec.decode(event.value);
  holder[DECODED] = { codec, message };
  return message;
}
