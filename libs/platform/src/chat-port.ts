// The shape every hop of the hot path offers the one before it. In cluster wiring a port is a
// gRPC client; in standalone wiring it is the next service's in-process implementation.
import type { ChatChunk, ChatRequest, ChatResponse, ConnectorRequest } from '@assay/contracts';

export interface ChatPort<TRequest> {
  chat(request: TRequest, signal?: AbortSignal): Promise<ChatResponse>;
  /** Yields OpenAI chunks, then one final chunk carrying the outcome. */
  chatStream(request: TRequest, signal?: AbortSignal): AsyncIterable<ChatChunk>;
}

export type RouterPort = ChatPort<ChatRequest>;
export type ConnectorPort = ChatPort<ConnectorRequest>;

export const ROUTER_PORT = Symbol('RouterPort');
export const CONNECTOR_PORT = Symbol('ConnectorPort');
