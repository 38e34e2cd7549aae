// Serves a ChatPort's calls multiplexed on Exchange streams: each call message starts the port's
// work concurrently, its answer goes back tagged with the call's id, and a cancel message (or the
// stream going away) aborts it. Never answers a call twice, and never ends a stream while a call
// on it is still being worked on: on shutdown a stream ends once it is idle, so a caller can tell
// that every call left unanswered was never started and may be sent again elsewhere.
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { ExchangeReply } from '@assay/contracts';
import type { ChatPort } from '../chat-port';
import { AssayError } from '../assay-error';
import { toErrorDetail } from './grpc-errors';

/** The caller-to-callee message of the Router's and the Connector's Exchange streams. */
export interface ExchangeCall<TChat, TEmbed> {
  callId: number;
  chat?: TChat | undefined;
  chatStream?: TChat | undefined;
  embed?: TEmbed | undefined;
  cancel?: boolean | undefined;
}

type Stream<TChat, TEmbed> = ServerDuplexStream<ExchangeCall<TChat, TEmbed>, ExchangeReply>;

class ServedExchange<TChat, TEmbed> {
  private readonly calls = new Map<number, AbortController>();
  private closed = false;
  private callerDone = false;
  private draining = false;
  /** Shared by every call waiting for the stream to take more, instead of a 'drain' listener each. */
  private writable: Promise<void> | undefined;

  constructor(
    private readonly stream: Stream<TChat, TEmbed>,
    private readonly port: ChatPort<TChat, TEmbed>,
    private readonly onClosed: () => void,
  ) {
    stream.on('data', (message: ExchangeCall<TChat, TEmbed>) => this.receive(message));
    // The caller half-closed: it sends no more calls, so the stream ends once these are answered.
    stream.on('end', () => {
      this.callerDone = true;
      this.endIfIdle();
    });
    stream.on('cancelled', () => this.close());
    stream.on('error', () => this.close());
  }

  drain(): void {
    this.draining = true;
    this.endIfIdle();
  }

  private receive(message: ExchangeCall<TChat, TEmbed>): void {
    if (this.closed) return;
    if (message.cancel) {
      this.calls.get(message.callId)?.abort();
      return;
    }
    const abort = new AbortController();
    this.calls.set(message.callId, abort);
    void this.answer(message, abort.signal).finally(() => {
      this.calls.delete(message.callId);
      this.endIfIdle();
    });
  }

  private async answer(message: ExchangeCall<TChat, TEmbed>, signal: AbortSignal): Promise<void> {
    const callId = message.callId;
    try {
      if (message.chat) {
        this.send({ callId, chat: await this.port.chat(message.chat, signal) });
      } else if (message.embed) {
        this.send({ callId, embed: await this.port.embed(message.embed, signal) });
      } else if (message.chatStream) {
        for await (const chunk of this.port.chatStream(message.chatStream, signal)) {
          if (!this.send({ callId, chunk })) await this.whenWritable();
        }
        this.send({ callId, end: true });
      } else {
        throw AssayError.invalidRequest('An Exchange call must carry chat, chat_stream or embed.');
      }
    } catch (err) {
      // A cancelled call's caller has already given up on it and wants nothing more.
      if (!signal.aborted) this.send({ callId, error: toErrorDetail(err) });
    }
  }

  /** False when the stream's buffer is full and the sender should wait before writing more. */
  private send(reply: ExchangeReply): boolean {
    if (this.closed) return true;
    return this.stream.write(reply);
  }

  private whenWritable(): Promise<void> {
    this.writable ??= new Promise<void>((resolve) => {
      const done = () => {
        this.writable = undefined;
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
    return this.writable;
  }

  private endIfIdle(): void {
    if (this.closed || this.calls.size > 0 || !(this.callerDone || this.draining)) return;
    this.closed = true;
    this.stream.end();
    this.onClosed();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const abort of this.calls.values()) abort.abort();
    this.onClosed();
  }
}

export class ExchangeServer<TChat, TEmbed> {
  private readonly open = new Set<ServedExchange<TChat, TEmbed>>();
  private draining = false;

  constructor(private readonly port: ChatPort<TChat, TEmbed>) {}

  readonly handle = (stream: Stream<TChat, TEmbed>): void => {
    const served: ServedExchange<TChat, TEmbed> = new ServedExchange(stream, this.port, () => this.open.delete(served));
    this.open.add(served);
    if (this.draining) served.drain();
  };

  /** Shutting down: every stream ends as soon as the calls on it are answered. */
  drain(): void {
    this.draining = true;
    for (const served of [...this.open]) served.drain();
  }
}
