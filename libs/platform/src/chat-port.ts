// The shape every hop of the hot path offers the one before it. In cluster wiring a port is a
// gRPC client; in standalone wiring it is the next service's in-process implementation.
import type {
  ChatChunk,
  ChatRequest,
  ChatResponse,
  ConnectorEmbedRequest,
  ConnectorRequest,
  EmbedRequest,
  EmbedResponse,
} from '@assay/contracts';

export interface ChatPort<TChat, TEmbed> {
  chat(request: TChat, signal?: AbortSignal): Promise<ChatResponse>;
  /** Yields OpenAI chunks, then one final chunk carrying the outcome. */
  chatStream(request: TChat, signal?: AbortSignal): AsyncIterable<ChatChunk>;
  embed(request: TEmbed, signal?: AbortSignal): Promise<EmbedResponse>;
}

export type RouterPort = ChatPort<ChatRequest, EmbedRequest>;
export type ConnectorPort = ChatPort<ConnectorRequest, ConnectorEmbedRequest>;
