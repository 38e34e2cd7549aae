// Both directions of a ChatPort over gRPC: a client that makes a remote service look like a
// ChatPort, and server handlers that expose a local ChatPort. Cancellation crosses the wire both
// ways: aborting the client cancels the call; a cancelled call aborts the server's work.
// Requests of ordinary size travel multiplexed on the service's Exchange stream; a request with a
// large body (inline images) gets a gRPC call of its own, so it never holds up the others.
import {
  Client,
  type ClientUnaryCall,
  credentials,
  Metadata,
  type MethodDefinition,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type sendUnaryData,
} from '@grpc/grpc-js';
import type { ChatChunk, ChatResponse, EmbedResponse, ExchangeReply } from '@assay/contracts';
import type { ChatPort } from '../chat-port';
import { answerStream, answerUnary } from './call-cancellation';
import { ExchangeClient } from './exchange-client';
import { ExchangeServer, type ExchangeCall } from './exchange-server';
import { fromGrpcError } from './grpc-errors';
import type { GrpcService } from './grpc-server';

export interface ChatServiceDefinition<TChat, TEmbed> {
  chat: MethodDefinition<TChat, ChatResponse>;
  chatStream: MethodDefinition<TChat, ChatChunk>;
  embed: MethodDefinition<TEmbed, EmbedResponse>;
  exchange?: MethodDefinition<ExchangeCall<TChat, TEmbed>, ExchangeReply>;
}

/** 64 MiB: chat bodies with inline images are far above gRPC's 4 MiB default. */
export const GRPC_MESSAGE_LIMIT = 64 * 1024 * 1024;

export const grpcChannelOptions = {
  'grpc.max_receive_message_length': GRPC_MESSAGE_LIMIT,
  'grpc.max_send_message_length': GRPC_MESSAGE_LIMIT,
  'grpc.keepalive_time_ms': 30_000,
};

/**
 * 256 KiB: above this a request body gets its own gRPC call. On the shared stream it would hold
 * up every call behind it while it is written; below it, that wait is under a millisecond.
 */
export const EXCHANGE_BODY_LIMIT = 256 * 1024;

/** Hot-path requests carry their deadline and body at the top or one level down. */
export interface HopRequest {
  context?: { deadlineMs: number };
  openaiBody?: Uint8Array;
  request?: { context?: { deadlineMs: number }; openaiBody?: Uint8Array };
}

export class GrpcChatClient<TChat extends HopRequest, TEmbed extends HopRequest> implements ChatPort<TChat, TEmbed> {
  private readonly client: Client;
  private readonly exchange: ExchangeClient | undefined;

  constructor(
    private readonly definition: ChatServiceDefinition<TChat, TEmbed>,
    address: string,
  ) {
    this.client = new Client(address, credentials.createInsecure(), grpcChannelOptions);
    const exchange = definition.exchange as MethodDefinition<ExchangeCall<unknown, unknown>, ExchangeReply> | undefined;
    this.exchange = exchange && new ExchangeClient(this.client, exchange);
  }

  chat(request: TChat, signal?: AbortSignal): Promise<ChatResponse> {
    if (this.exchange && fitsExchange(request)) return this.exchange.unary('chat', request, deadlineOf(request), signal);
    return this.unary(this.definition.chat, request, signal);
  }

  embed(request: TEmbed, signal?: AbortSignal): Promise<EmbedResponse> {
    if (this.exchange && fitsExchange(request)) return this.exchange.unary('embed', request, deadlineOf(request), signal);
    return this.unary(this.definition.embed, request, signal);
  }

  private unary<TReq extends HopRequest, TRes>(m: MethodDefinition<TReq, TRes>, request: TReq, signal?: AbortSignal): Promise<TRes> {
    return new Promise((resolve, reject) => {
      // grpc-js captures the caller's stack (new Error()) on every unary call, to append it to a
      // failed call's error. Ours are turned into AssayErrors without it, and the capture was
      // ~2 % of ingress's and router's CPU, so it is made empty.
      const stackTraceLimit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      let call: ClientUnaryCall;
      try {
        call = this.client.makeUnaryRequest(
          m.path, m.requestSerialize, m.responseDeserialize, request, new Metadata(), this.callOptions(request),
          (err, response) => (err ? reject(fromGrpcError(err)) : resolve(response as TRes)),
        );
      } finally {
        Error.stackTraceLimit = stackTraceLimit;
      }
      signal?.addEventListener('abort', () => call.cancel(), { once: true });
    });
  }

  chatStream(request: TChat, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    if (this.exchange && fitsExchange(request)) return this.exchange.chatStream(request, deadlineOf(request), signal);
    return this.ownCallStream(request, signal);
  }

  private async *ownCallStream(request: TChat, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    const m = this.definition.chatStream;
    const call = this.client.makeServerStreamRequest(
      m.path, m.requestSerialize, m.responseDeserialize, request, new Metadata(), this.callOptions(request),
    );
    const onAbort = () => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const chunk of call) yield chunk as ChatChunk;
    } catch (err) {
      throw fromGrpcError(err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // A consumer that stops early (client went away) must not leave the upstream call running.
      call.cancel();
    }
  }

  close(): void {
    this.exchange?.close();
    this.client.close();
  }

  private callOptions(request: HopRequest) {
    const deadline = deadlineOf(request);
    return deadline > 0 ? { deadline: new Date(deadline) } : {};
  }
}

function deadlineOf(request: HopRequest): number {
  return request.context?.deadlineMs ?? request.request?.context?.deadlineMs ?? 0;
}

function fitsExchange(request: HopRequest): boolean {
  return ((request.openaiBody ?? request.request?.openaiBody)?.length ?? 0) <= EXCHANGE_BODY_LIMIT;
}

function unaryHandler<TReq, TRes>(run: (request: TReq, signal: AbortSignal) => Promise<TRes>) {
  return (call: ServerUnaryCall<TReq, TRes>, callback: sendUnaryData<TRes>): void => answerUnary(call, callback, (signal) => run(call.request, signal));
}

/** A local ChatPort served as the gRPC service `definition`: its calls one by one and on Exchange streams. */
export function chatService<TChat, TEmbed>(definition: ChatServiceDefinition<TChat, TEmbed>, port: ChatPort<TChat, TEmbed>): GrpcService {
  const exchanges = new ExchangeServer(port);
  return {
    definition: definition as unknown as ServiceDefinition,
    implementation: {
      chat: unaryHandler<TChat, ChatResponse>((r, s) => port.chat(r, s)),
      embed: unaryHandler<TEmbed, EmbedResponse>((r, s) => port.embed(r, s)),
      chatStream: (call: ServerWritableStream<TChat, ChatChunk>): Promise<void> => answerStream(call, (signal) => port.chatStream(call.request, signal)),
      exchange: exchanges.handle,
    },
    drain: () => exchanges.drain(),
  };
}
