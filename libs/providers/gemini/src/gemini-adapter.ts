// Adapter for the Gemini API (generativelanguage.googleapis.com, v1beta): translates the OpenAI
// body out and the answer back, so the rest of Assay never sees Gemini's wire. Stateless; HTTP
// and error mapping only here. The key goes in the x-goog-api-key header, never in the URL.
import { providerPost, type ProviderResponse } from '@assay/providers-http';
import { sseData } from '@assay/providers-openai';
import {
  ProviderUnreachable,
  type OpenAIChatBody,
  type OpenAIEmbeddingsBody,
  type ProviderAdapter,
  type ProviderChatResult,
  type ProviderEmbeddingsResult,
  type ProviderStreamEvent,
  type ProviderTarget,
} from '@assay/providers-spec';
import { geminiHttpError } from './errors';
import { GeminiStreamTranslator } from './gemini-stream';
import { geminiEmbedRequestFromOpenAI, openAIEmbeddingsFromGemini } from './translate-embeddings';
import { geminiModelId, geminiRequestFromOpenAI } from './translate-request';
import { openAICompletionFromGemini } from './translate-response';

type Json = Record<string, unknown>;

export class GeminiAdapter implements ProviderAdapter {
  async chat(body: OpenAIChatBody, target: ProviderTarget, signal: AbortSignal): Promise<ProviderChatResult> {
    const response = await post(target, 'generateContent', geminiRequestFromOpenAI(body), signal);
    return openAICompletionFromGemini((await response.json()) as Json, { model: target.upstreamModel });
  }

  async *chatStream(body: OpenAIChatBody, target: ProviderTarget, signal: AbortSignal): AsyncIterable<ProviderStreamEvent> {
    const response = await post(target, 'streamGenerateContent?alt=sse', geminiRequestFromOpenAI(body), signal);
    if (!response.body) throw new ProviderUnreachable(`${target.provider}: provider returned an empty stream`, false);
    const translator = new GeminiStreamTranslator(target.provider, { model: target.upstreamModel });
    for await (const data of sseData(withLfLineEnds(response.body))) {
      yield* translator.push(JSON.parse(data) as Json);
    }
    yield* translator.end();
  }

  async embeddings(body: OpenAIEmbeddingsBody, target: ProviderTarget, signal: AbortSignal): Promise<ProviderEmbeddingsResult> {
    const modelId = geminiModelId(target.upstreamModel);
    const response = await post(target, 'batchEmbedContents', geminiEmbedRequestFromOpenAI(body, modelId), signal);
    return { response: openAIEmbeddingsFromGemini((await response.json()) as Json, modelId, body.encoding_format), usage: null };
  }
}

async function post(target: ProviderTarget, method: string, body: object, signal: AbortSignal): Promise<ProviderResponse> {
  const url = `${target.baseUrl.replace(/\/+$/, '')}/v1beta/models/${encodeURIComponent(geminiModelId(target.upstreamModel))}:${method}`;
  const response = await providerPost(target, url, target.apiKey ? { 'x-goog-api-key': target.apiKey } : {}, body, signal);
  if (!response.ok) throw await geminiHttpError(target, response);
  return response;
}

/**
 * Gemini ends SSE events with CRLF line breaks; the shared SSE splitter expects LF. A CR at the end
 * of one network chunk is held back until the next, so a CRLF split across chunks still converts.
 */
export async function* withLfLineEnds(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pendingCr = false;
  for await (const bytes of body) {
    let text: string = (pendingCr ? '\r' : '') + decoder.decode(bytes, { stream: true });
    pendingCr = text.endsWith('\r');
    if (pendingCr) text = text.slice(0, -1);
    yield encoder.encode(text.replace(/\r\n?/g, '\n'));
  }
  const rest = (pendingCr ? '\r' : '') + decoder.decode();
  if (rest) yield encoder.encode(rest.replace(/\r\n?/g, '\n'));
}
