// Adapter for OpenAI and every endpoint that speaks its chat-completions wire (vLLM, Ollama,
// Groq, Together, DeepSeek, Mistral, the mock provider). Azure OpenAI reuses it with its own
// route (URL and credential header), see @assay/providers-azure.
import {
  ProviderHttpError,
  ProviderUnreachable,
  type OpenAIChatBody,
  type OpenAIEmbeddingsBody,
  type OpenAIObject,
  type ProviderAdapter,
  type ProviderChatResult,
  type ProviderEmbeddingsResult,
  type ProviderStreamEvent,
  type ProviderTarget,
} from '@assay/providers-spec';
import { providerPost, type ProviderResponse } from '@assay/providers-http';
import { sseData } from './sse-lines';
import { usageFromOpenAI } from './openai-usage';

/** The OpenAI operations the adapter calls, as the path below the API root. */
export type OpenAIOperation = 'chat/completions' | 'embeddings';

/** Where one OpenAI-wire call goes and how it authenticates. */
export interface OpenAIRoute {
  url: string;
  /** Credential headers (the target's configured extra headers are added by the adapter). */
  headers: Record<string, string>;
}

export interface OpenAIAdapterOptions {
  /** Defaults to `${baseUrl}/${operation}` with a bearer token (OpenAI's own wire). */
  route?: (target: ProviderTarget, operation: OpenAIOperation) => OpenAIRoute;
}

export function openAIRoute(target: ProviderTarget, operation: OpenAIOperation): OpenAIRoute {
  return { url: `${target.baseUrl}/${operation}`, headers: target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {} };
}

export class OpenAIAdapter implements ProviderAdapter {
  private readonly route: (target: ProviderTarget, operation: OpenAIOperation) => OpenAIRoute;

  constructor(options: OpenAIAdapterOptions = {}) {
    this.route = options.route ?? openAIRoute;
  }

  async chat(body: OpenAIChatBody, target: ProviderTarget, signal: AbortSignal): Promise<ProviderChatResult> {
    const response = await this.post(target, 'chat/completions', { ...body, model: target.upstreamModel, stream: false }, signal);
    const completion = (await response.json()) as OpenAIObject;
    return { completion, usage: usageFromOpenAI(completion.usage) };
  }

  async *chatStream(body: OpenAIChatBody, target: ProviderTarget, signal: AbortSignal): AsyncIterable<ProviderStreamEvent> {
    // Usage is always requested upstream, because every attempt is metered; the caller decides
    // whether the client sees the usage chunk.
    const upstreamBody = { ...body, model: target.upstreamModel, stream: true, stream_options: { ...(body.stream_options as object), include_usage: true } };
    const response = await this.post(target, 'chat/completions', upstreamBody, signal);
    if (!response.body) throw new ProviderUnreachable('provider returned an empty stream', false);
    for await (const data of sseData(response.body)) {
      if (data === '[DONE]') return;
      const chunk = JSON.parse(data) as OpenAIObject;
      const usage = usageFromOpenAI(chunk.usage);
      const choices = chunk.choices as unknown[] | undefined;
      if (usage && (!choices || choices.length === 0)) yield { type: 'usage', usage, chunk };
      else yield { type: 'chunk', chunk };
    }
  }

  async embeddings(body: OpenAIEmbeddingsBody, target: ProviderTarget, signal: AbortSignal): Promise<ProviderEmbeddingsResult> {
    const response = await this.post(target, 'embeddings', { ...body, model: target.upstreamModel }, signal);
    const result = (await response.json()) as OpenAIObject;
    return { response: result, usage: usageFromOpenAI(result.usage) };
  }

  private async post(target: ProviderTarget, operation: OpenAIOperation, body: object, signal: AbortSignal): Promise<ProviderResponse> {
    const route = this.route(target, operation);
    const response = await providerPost(target, route.url, route.headers, body, signal);
    if (!response.ok) throw await httpError(target, response);
    return response;
  }
}

async function httpError(target: ProviderTarget, response: ProviderResponse): Promise<ProviderHttpError> {
  const text = await response.text().catch(() => '');
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } };
    message = parsed.error?.message ?? message;
  } catch {
    // not JSON; keep the text
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  return new ProviderHttpError(response.status, `${target.provider} returned ${response.status}: ${message}`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
}
