// The abort signal of a served gRPC call: it fires when the client cancels (or goes away) while
// the answer is still being worked on, so every upstream call made for it stops too.
import type { EventEmitter } from 'node:events';

export interface CallCancellation {
  signal: AbortSignal;
  /** The answer is out: a later 'cancelled' is the stream closing, not the client giving up. */
  settle(): void;
}

export function callCancellation(call: EventEmitter): CallCancellation {
  const abort = new AbortController();
  let settled = false;
  // grpc-js emits 'cancelled' for every call once its stream has closed, answered or not.
  // Aborting then would stop nothing and still build an AbortError (a DOMException with a stack
  // trace), about 1 % of a router's or connector's CPU at 500 requests a second.
  call.on('cancelled', () => {
    if (!settled) abort.abort();
  });
  return {
    signal: abort.signal,
    settle: () => {
      settled = true;
    },
  };
}
