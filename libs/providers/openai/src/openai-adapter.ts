// Adapter for OpenAI and every endpoint that speaks its chat-completions wire (vLLM, Ollama,
// Groq, Together, DeepSeek, Mistral, the mock provider).
import {
  ProviderHttpError,
  ProviderUnreachable,
  type OpenAIChatBody,
  type OpenAIObject,
  type ProviderAdapter,
  type ProviderChatResult,
  type ProviderStreamEvent,
  type ProviderTarget,
} from '@assay/providers-spec';
import { sseData } from './sse-lines';
import { usageFromOpenAI } from './openai-usage';

export class OpenAIAdapter implements ProviderAdapter {
  async chat(body: OpenAIChatBody, target: ProviderTarget, signal: AbortSignal): Promise<ProviderChatResult> {
    const response = await this.post(target, { ...body, model: target.upstreamModel, stream: false }, signal);
    const completion = (await response.json()) as OpenAIObject;
    return { completion, usage: usageFromOpenAI(completion.usage) };
  }

  async *chatStream(body: OpenAIChatBody, target: ProviderTarget, signal: AbortSignal): AsyncIterable<ProviderStreamEvent> {
    // Usage is always requested upstream, because every attempt is metered; the caller decides
    // whether the client sees the usage chunk.
    const upstreamBody = { ...body, model: target.upstreamModel, stream: true, stream_options: { ...(body.stream_options as object), include_usage: true } };
    const response = await this.post(target, upstreamBody, signal);
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

  private async post(target: ProviderTarget, body: object, signal: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(target.timeoutMs);
    let response: Response;
    try {
      response = await fetch(`${target.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, timeout]),
      });
    } catch (err) {
      if (signal.aborted) throw err;
      throw new ProviderUnreachable(`${target.provider}: ${(err as Error).message}`, timeout.aborted);
    }
    if (!response.ok) throw await httpError(target, response);
    return response;
  }
}

async function httpError(target: ProviderTarget, response: Response): Promise<ProviderHttpError> {
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
