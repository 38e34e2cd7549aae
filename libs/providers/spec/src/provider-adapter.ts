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

/** The wire families Assay speaks to providers; one adapter each. */
export type ProviderKind = 'openai' | 'openai-compatible' | 'azure-openai' | 'anthropic' | 'gemini';

/** An OpenAI embeddings request body. */
export type OpenAIEmbeddingsBody = Record<string, unknown> & { model: string; input: unknown };

/** Where and as what one upstream call goes. */
export interface ProviderTarget {
  /** The configured provider's name, e.g. "openai" or "azure-eastus". */
  provider: string;
  kind: ProviderKind;
  /** e.g. https://api.openai.com/v1, https://api.anthropic.com, https://generativelanguage.googleapis.com */
  baseUrl: string;
  apiKey: string;
  /** The provider's model name (for Azure: the deployment name). */
  upstreamModel: string;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Azure OpenAI's api-version query parameter; absent means Azure's /openai/v1 API. */
  apiVersion?: string;
  /** Extra headers the operator configured for this provider. */
  headers?: Record<string, string>;
}

export interface ProviderChatResult {
  completion: OpenAIObject;
  usage: TokenUsage | null;
}

export type ProviderStreamEvent =
  | { type: 'chunk'; chunk: OpenAIObject }
  | { type: 'usage'; usage: TokenUsage; /** The provider's own usage chunk, in OpenAI form. */ chunk: OpenAIObject };

export interface ProviderEmbeddingsResult {
  /** An OpenAI embeddings response object ({object:"list", data, model, usage}). */
  response: OpenAIObject;
  usage: TokenUsage | null;
}

/**
 * One provider wire. Adapters are stateless: everything about the call is in the target.
 * Failures are thrown as ProviderHttpError (the provider answered with an error status) or
 * ProviderUnreachable (no answer); an aborted signal rejects with the abort reason.
 */
export interface ProviderAdapter {
  chat(body: OpenAIChatBody, target: ProviderTarget, signal: AbortSignal): Promise<ProviderChatResult>;
  /**
   * Yields the provider's answer as OpenAI chat.completion.chunk objects, and one 'usage' event
   * (with the usage-only chunk in OpenAI form) when the provider reports usage.
   */
  chatStream(body: OpenAIChatBody, target: ProviderTarget, signal: AbortSignal): AsyncIterable<ProviderStreamEvent>;
  /** Absent when the provider has no embeddings API. */
  embeddings?(body: OpenAIEmbeddingsBody, target: ProviderTarget, signal: AbortSignal): Promise<ProviderEmbeddingsResult>;
}

export const ZERO_USAGE: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0, cachedTokens: 0, reasoningTokens: 0 };
