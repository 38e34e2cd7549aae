// The gRPC face of ingress (assay.v1.Gateway) for internal platforms: the same semantics as the
// REST API — virtual key in `authorization` metadata, the OpenAI body inside — with the call's
// gRPC deadline as the request's deadline and standard status codes for errors.
import type { Metadata, ServerUnaryCall, ServerWritableStream, sendUnaryData } from '@grpc/grpc-js';
import type { ChatChunk, ChatResponse, GatewayChatRequest } from '@assay/contracts';
import { answerStream, answerUnary, AssayError } from '@assay/platform';
import type { IncomingChat, IngressChat } from '../ingress-chat';

function incomingFromCall(call: ServerUnaryCall<GatewayChatRequest, unknown> | ServerWritableStream<GatewayChatRequest, unknown>, stream: boolean): IncomingChat {
  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  return {
    authorization: firstString(call.metadata, 'authorization'),
    body: { ...parseBody(call.request.openaiBody), stream },
    tags: call.request.tags,
    promptType: call.request.promptType || undefined,
    timeoutMs: Number.isFinite(deadlineMs) && deadlineMs > 0 ? Math.max(1, deadlineMs - Date.now()) : undefined,
  };
}

function parseBody(bytes: Uint8Array): Record<string, unknown> {
  try {
    const parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw AssayError.invalidRequest('openai_body must hold a JSON object: the OpenAI chat-completions request body.', 'openai_body');
}

function firstString(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

export function gatewayGrpcHandlers(ingress: IngressChat) {
  return {
    chat(call: ServerUnaryCall<GatewayChatRequest, ChatResponse>, callback: sendUnaryData<ChatResponse>): void {
      answerUnary(call, callback, (signal) => ingress.chat(ingress.prepare(incomingFromCall(call, false)), signal));
    },
    chatStream(call: ServerWritableStream<GatewayChatRequest, ChatChunk>): Promise<void> {
      return answerStream(call, (signal) => ingress.chatStream(ingress.prepare(incomingFromCall(call, true)), signal));
    },
  };
}
