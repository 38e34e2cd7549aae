// The provider specification: what every adapter implements. Types only, no I/O. The lingua
// franca is the OpenAI chat-completions wire format: adapters for other wires translate to and
// from it, so the rest of Assay speaks one format.

/** An OpenAI chat-completions request body (JSON object) as the client sent it. */
export type OpenAIChatBody = Record<string, unknown> & { model: string; stream?: boolean };

/** An OpenAI chat.completion or chat.completion.chunk object. */
export type OpenAIObject = Record<string, unknown>;

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
}

/** Where and as what one upstream call goes. */
export interface ProviderTarget {
  provider: string;
  baseUrl: string;
  apiKey: string;
  upstreamModel: string;
  timeoutMs: number;
}

export interface ProviderChatResult {
  completion: OpenAIObject;
  usage: TokenUsage | null;
}

export type ProviderStreamEvent =
  | { type: 'chunk'; chunk: OpenAIObject }
  | { type: 'usage'; usage: TokenUsage; /** The provider's own usage chunk, in OpenAI form. */ chunk: OpenAIObject };

export interface ProviderAdapter {
  chat(body: OpenAIChatBody, target: ProviderTarget, signal: AbortSignal): Promise<ProviderChatResult>;
  /** Yields the provider's answer as OpenAI chunks; a 'usage' event, when the provider reports it. */
  chatStream(body: OpenAIChatBody, target: ProviderTarget, signal: AbortSignal): AsyncIterable<ProviderStreamEvent>;
}

export const ZERO_USAGE: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0, cachedTokens: 0, reasoningTokens: 0 };
