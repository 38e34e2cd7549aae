// Both directions of a ChatPort over gRPC: a client that makes a remote service look like a
// ChatPort, and server handlers that expose a local ChatPort. Cancellation crosses the wire both
// ways: aborting the client cancels the call; a cancelled call aborts the server's work.
import {
  Client,
  type ClientUnaryCall,
  credentials,
  Metadata,
  type MethodDefinition,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
} from '@grpc/grpc-js';
import type { ChatChunk, ChatResponse, EmbedResponse } from '@assay/contracts';
import type { ChatPort } from '../chat-port';
import { answerStream, answerUnary } from './call-cancellation';
import { fromGrpcError } from './grpc-errors';

export interface ChatServiceDefinition<TChat, TEmbed> {
  chat: MethodDefinition<TChat, ChatResponse>;
  chatStream: MethodDefinition<TChat, ChatChunk>;
  embed: MethodDefinition<TEmbed, EmbedResponse>;
}

/** 64 MiB: chat bodies with inline images are far above gRPC's 4 MiB default. */
export const GRPC_MESSAGE_LIMIT = 64 * 1024 * 1024;

export const grpcChannelOptions = {
  'grpc.max_receive_message_length': GRPC_MESSAGE_LIMIT,
  'grpc.max_send_message_length': GRPC_MESSAGE_LIMIT,
  'grpc.keepalive_time_ms': 30_000,
};

/** Hot-path requests carry their deadline in their context, at the top or one level down. */
export interface WithDeadline {
  context?: { deadlineMs: number };
  request?: { context?: { deadlineMs: number } };
}

export class GrpcChatClient<TChat extends WithDeadline, TEmbed extends WithDeadline> implements ChatPort<TChat, TEmbed> {
  private readonly client: Client;

  constructor(
    private readonly definition: ChatServiceDefinition<TChat, TEmbed>,
    address: string,
  ) {
    this.client = new Client(address, credentials.createInsecure(), grpcChannelOptions);
  }

  chat(request: TChat, signal?: AbortSignal): Promise<ChatResponse> {
    return this.unary(this.definition.chat, request, signal);
  }

  embed(request: TEmbed, signal?: AbortSignal): Promise<EmbedResponse> {
    return this.unary(this.definition.embed, request, signal);
  }

  private unary<TReq extends WithDeadline, TRes>(m: MethodDefinition<TReq, TRes>, request: TReq, signal?: AbortSignal): Promise<TRes> {
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

  async *chatStream(request: TChat, signal?: AbortSignal): AsyncIterable<ChatChunk> {
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
    this.client.close();
  }

  private callOptions(request: WithDeadline) {
    const deadline = request.context?.deadlineMs ?? request.request?.context?.deadlineMs ?? 0;
    return deadline > 0 ? { deadline: new Date(deadline) } : {};
  }
}

function unaryHandler<TReq, TRes>(run: (request: TReq, signal: AbortSignal) => Promise<TRes>) {
  return (call: ServerUnaryCall<TReq, TRes>, callback: sendUnaryData<TRes>): void => answerUnary(call, callback, (signal) => run(call.request, signal));
}

export function chatPortHandlers<TChat, TEmbed>(port: ChatPort<TChat, TEmbed>) {
  return {
    chat: unaryHandler<TChat, ChatResponse>((r, s) => port.chat(r, s)),
    embed: unaryHandler<TEmbed, EmbedResponse>((r, s) => port.embed(r, s)),
    chatStream: (call: ServerWritableStream<TChat, ChatChunk>): Promise<void> => answerStream(call, (signal) => port.chatStream(call.request, signal)),
  };
}
