// Both directions of a ChatPort over gRPC: a client that makes a remote service look like a
// ChatPort, and server handlers that expose a local ChatPort. Cancellation crosses the wire both
// ways: aborting the client cancels the call; a cancelled call aborts the server's work.
import { once } from 'node:events';
import {
  Client,
  credentials,
  Metadata,
  type MethodDefinition,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
} from '@grpc/grpc-js';
import type { ChatChunk, ChatResponse } from '@assay/contracts';
import type { ChatPort } from '../chat-port';
import { fromGrpcError, toGrpcError } from './grpc-errors';

export interface ChatServiceDefinition<TRequest> {
  chat: MethodDefinition<TRequest, ChatResponse>;
  chatStream: MethodDefinition<TRequest, ChatChunk>;
}

/** 64 MiB: chat bodies with inline images are far above gRPC's 4 MiB default. */
export const GRPC_MESSAGE_LIMIT = 64 * 1024 * 1024;

export const grpcChannelOptions = {
  'grpc.max_receive_message_length': GRPC_MESSAGE_LIMIT,
  'grpc.max_send_message_length': GRPC_MESSAGE_LIMIT,
  'grpc.keepalive_time_ms': 30_000,
};

export class GrpcChatClient<TRequest> implements ChatPort<TRequest> {
  private readonly client: Client;

  constructor(
    private readonly definition: ChatServiceDefinition<TRequest>,
    address: string,
    private readonly deadlineOf: (request: TRequest) => number,
  ) {
    this.client = new Client(address, credentials.createInsecure(), grpcChannelOptions);
  }

  chat(request: TRequest, signal?: AbortSignal): Promise<ChatResponse> {
    const m = this.definition.chat;
    return new Promise((resolve, reject) => {
      const call = this.client.makeUnaryRequest(
        m.path, m.requestSerialize, m.responseDeserialize, request, new Metadata(), this.callOptions(request),
        (err, response) => (err ? reject(fromGrpcError(err)) : resolve(response as ChatResponse)),
      );
      signal?.addEventListener('abort', () => call.cancel(), { once: true });
    });
  }

  async *chatStream(request: TRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
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

  private callOptions(request: TRequest) {
    const deadline = this.deadlineOf(request);
    return deadline > 0 ? { deadline: new Date(deadline) } : {};
  }
}

export function chatPortHandlers<TRequest>(port: ChatPort<TRequest>) {
  return {
    chat(call: ServerUnaryCall<TRequest, ChatResponse>, callback: sendUnaryData<ChatResponse>): void {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      port.chat(call.request, abort.signal).then(
        (response) => callback(null, response),
        (err) => callback(toGrpcError(err)),
      );
    },
    async chatStream(call: ServerWritableStream<TRequest, ChatChunk>): Promise<void> {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      try {
        for await (const chunk of port.chatStream(call.request, abort.signal)) {
          if (!call.write(chunk)) await once(call, 'drain');
        }
        call.end();
      } catch (err) {
        if (!abort.signal.aborted) call.emit('error', toGrpcError(err));
      }
    },
  };
}
