// The abort signal of a served gRPC call: it fires when the client cancels (or goes away) while
// the answer is still being worked on, so every upstream call made for it stops too.
import { once, type EventEmitter } from 'node:events';
import type { sendUnaryData, ServerWritableStream } from '@grpc/grpc-js';
import { toGrpcError } from './grpc-errors';

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

/** Answers a unary call with what `work` returns, or its error as a gRPC status; a cancelled call aborts the work. */
export function answerUnary<T>(call: EventEmitter, callback: sendUnaryData<T>, work: (signal: AbortSignal) => Promise<T>): void {
  const cancellation = callCancellation(call);
  Promise.resolve()
    .then(() => work(cancellation.signal))
    .then(
      (response) => {
        cancellation.settle();
        callback(null, response);
      },
      (err) => {
        cancellation.settle();
        callback(toGrpcError(err));
      },
    );
}

/** Streams what `work` yields to a server-streaming call, or ends it with its error as a gRPC status; a cancelled call aborts the work. */
export async function answerStream<T>(call: ServerWritableStream<unknown, T>, work: (signal: AbortSignal) => AsyncIterable<T>): Promise<void> {
  const cancellation = callCancellation(call);
  try {
    for await (const chunk of work(cancellation.signal)) {
      if (!call.write(chunk)) await once(call, 'drain');
    }
    cancellation.settle();
    call.end();
  } catch (err) {
    if (!cancellation.signal.aborted) call.emit('error', toGrpcError(err));
    cancellation.settle();
  }
}
