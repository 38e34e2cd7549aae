// Adapter for Anthropic's Messages API: translates the OpenAI body out and the answer back, so the
// rest of Assay never sees Anthropic's wire. Stateless; HTTP and error mapping only here.
import { providerPost, type ProviderResponse } from '@assay/providers-http';
import { sseData } from '@assay/providers-openai';
import {
  ProviderUnreachable,
  type OpenAIChatBody,
  type ProviderAdapter,
  type ProviderChatResult,
  type ProviderStreamEvent,
  type ProviderTarget,
} from '@assay/providers-spec';
import { AnthropicStreamTranslator } from './anthropic-stream';
import { anthropicHttpError } from './errors';
import { anthropicRequestFromOpenAI } from './translate-request';
import { openAICompletionFromAnthropic } from './translate-response';

/** The API version this translation was written against. */
export const ANTHROPIC_VERSION = '2023-06-01';

export class AnthropicAdapter implements ProviderAdapter {
  async chat(body: OpenAIChatBody, target: ProviderTarget, signal: AbortSignal): Promise<ProviderChatResult> {
    const plan = anthropicRequestFromOpenAI(body, target.upstreamModel, false);
    const response = await post(target, plan.request, signal);
    const message = (await response.json()) as Record<string, unknown>;
    return openAICompletionFromAnthropic(message, { structuredOutputTool: plan.structuredOutputTool });
  }

  async *chatStream(body: OpenAIChatBody, target: ProviderTarget, signal: AbortSignal): AsyncIterable<ProviderStreamEvent> {
    const plan = anthropicRequestFromOpenAI(body, target.upstreamModel, true);
    const response = await post(target, plan.request, signal);
    if (!response.body) throw new ProviderUnreachable(`${target.provider}: provider returned an empty stream`, false);
    const translator = new AnthropicStreamTranslator(target.provider, { structuredOutputTool: plan.structuredOutputTool });
    for await (const data of sseData(response.body)) {
      yield* translator.push(JSON.parse(data) as Record<string, unknown>);
    }
  }
}

async function post(target: ProviderTarget, body: object, signal: AbortSignal): Promise<ProviderResponse> {
  const url = `${target.baseUrl.replace(/\/+$/, '')}/v1/messages`;
  const headers = { 'anthropic-version': ANTHROPIC_VERSION, ...(target.apiKey ? { 'x-api-key': target.apiKey } : {}) };
  const response = await providerPost(target, url, headers, body, signal);
  if (!response.ok) throw await anthropicHttpError(target, response);
  return response;
}
