// The caller's side of an Exchange stream: many calls at once on one long-lived gRPC stream, each
// tagged with an id, instead of a gRPC call per request (about a quarter of the CPU per hop,
// bench/grpc-hop.mjs). Each call keeps the semantics of its own gRPC call: the deadline in its
// context ends it with a timeout, aborting its signal cancels it on the far side, and an error
// comes back as the far side's AssayError.
//
// The stream is opened on first use and again after it ends. When it ends cleanly, the far side
// had answered everything it started (it ends only when idle, e.g. shutting down), so calls still
// waiting were never started there and are sent again on a new stream; when it fails, they fail.
import { Metadata, status as GrpcStatus, type Client, type ClientDuplexStream, type MethodDefinition, type StatusObject } from '@grpc/grpc-js';
import type { ChatChunk, ChatResponse, EmbedResponse, ExchangeReply } from '@assay/contracts';
import { AssayError } from '../assay-error';
import type { ExchangeCall } from './exchange-server';
import { fromErrorDetail, fromGrpcError } from './grpc-errors';

type Kind = 'chat' | 'chatStream' | 'embed';

interface PendingCall {
  message: ExchangeCall<unknown, unknown>;
  /** Whether any reply arrived: such a call was started on the far side and cannot be resent. */
  answered: boolean;
  /** Sent once more already: a far side that keeps ending streams unanswered is not tried forever. */
  resent: boolean;
  reply(reply: ExchangeReply): void;
  fail(err: AssayError): void;
}

type Stream = ClientDuplexStream<ExchangeCall<unknown, unknown>, ExchangeReply>;

export class ExchangeClient {
  private stream: Stream | undefined;
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;

  constructor(
    private readonly client: Client,
    private readonly method: MethodDefinition<ExchangeCall<unknown, unknown>, ExchangeReply>,
  ) {}

  unary<T extends ChatResponse | EmbedResponse>(kind: 'chat' | 'embed', request: unknown, deadlineMs: number, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const call = this.start(kind, request, deadlineMs, signal, {
        reply: (reply) => {
          call.finish();
          if (reply.error) reject(fromErrorDetail(reply.error));
          else resolve((kind === 'chat' ? reply.chat : reply.embed) as T);
        },
        fail: reject,
      });
    });
  }

  async *chatStream(request: unknown, deadlineMs: number, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    const queue = new ChunkQueue();
    const call = this.start('chatStream', request, deadlineMs, signal, {
      reply: (reply) => {
        if (reply.chunk) return queue.push(reply.chunk);
        call.finish();
        queue.end(reply.error ? fromErrorDetail(reply.error) : undefined);
      },
      fail: (err) => queue.end(err),
    });
    try {
      for (let chunk = await queue.next(); chunk; chunk = await queue.next()) yield chunk;
    } finally {
      // A consumer that stops early (client went away) must not leave the far side's work running.
      call.cancel();
    }
  }

  close(): void {
    this.stream?.end();
  }

  private start(
    kind: Kind,
    request: unknown,
    deadlineMs: number,
    signal: AbortSignal | undefined,
    on: { reply(reply: ExchangeReply): void; fail(err: AssayError): void },
  ): { finish(): void; cancel(): void } {
    const callId = this.nextId;
    this.nextId = this.nextId === 0xffffffff ? 1 : this.nextId + 1;
    let timer: NodeJS.Timeout | undefined;
    let open = true;
    const finish = () => {
      if (!open) return;
      open = false;
      this.pending.delete(callId);
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const giveUp = (err: AssayError) => {
      if (!open) return;
      finish();
      this.stream?.write({ callId, cancel: true });
      on.fail(err);
    };
    const onAbort = () => giveUp(AssayError.cancelled());

    if (signal?.aborted) {
      open = false;
      on.fail(AssayError.cancelled());
      return { finish, cancel: () => undefined };
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (deadlineMs > 0) timer = setTimeout(() => giveUp(AssayError.timeout()), Math.max(0, deadlineMs - Date.now()));

    const pending: PendingCall = {
      message: { callId, [kind]: request },
      answered: false,
      resent: false,
      reply: (reply) => {
        pending.answered = true;
        on.reply(reply);
      },
      fail: (err) => {
        finish();
        on.fail(err);
      },
    };
    this.pending.set(callId, pending);
    this.send(pending);
    return { finish, cancel: () => giveUp(AssayError.cancelled()) };
  }

  private send(call: PendingCall): void {
    (this.stream ??= this.open()).write(call.message);
  }

  private open(): Stream {
    const stream: Stream = this.client.makeBidiStreamRequest(
      this.method.path, this.method.requestSerialize, this.method.responseDeserialize, new Metadata(), {},
    );
    stream.on('data', (reply: ExchangeReply) => this.pending.get(reply.callId)?.reply(reply));
    // Errors arrive as 'status' too, which is where they are handled.
    stream.on('error', () => undefined);
    stream.on('status', (status: StatusObject) => {
      if (this.stream === stream) this.stream = undefined;
      if (status.code !== GrpcStatus.OK) return this.failAll(fromGrpcError(status));
      // A clean end follows the last reply; let the replies already received be delivered first.
      stream.once('end', () => this.resendUnanswered());
    });
    return stream;
  }

  private failAll(err: AssayError): void {
    for (const call of [...this.pending.values()]) call.fail(err);
  }

  private resendUnanswered(): void {
    for (const call of [...this.pending.values()]) {
      if (call.answered || call.resent) {
        call.fail(new AssayError({ status: 503, type: 'api_error', code: 'upstream_unavailable', message: 'Internal hop closed the stream before answering.' }));
      } else {
        call.resent = true;
        this.send(call);
      }
    }
  }
}

/** Chunks of one streamed call, handed to its consumer in order as they arrive. */
class ChunkQueue {
  private readonly chunks: ChatChunk[] = [];
  private done = false;
  private error: AssayError | undefined;
  private wake: (() => void) | undefined;

  push(chunk: ChatChunk): void {
    this.chunks.push(chunk);
    this.wake?.();
  }

  end(error?: AssayError): void {
    this.done = true;
    this.error = error;
    this.wake?.();
  }

  /** The next chunk, undefined once the call has ended; throws the call's error. */
  async next(): Promise<ChatChunk | undefined> {
    while (this.chunks.length === 0 && !this.done) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    const chunk = this.chunks.shift();
    if (chunk) return chunk;
    if (this.error) throw this.error;
    return undefined;
  }
}
