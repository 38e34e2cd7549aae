// Gemini streamGenerateContent (alt=sse) responses → OpenAI chat.completion.chunk objects. Each
// Gemini event is a partial GenerateContentResponse: text arrives in pieces, a function call
// arrives whole, and usageMetadata is cumulative, so only the last one is reported, at the end.
import type { OpenAIObject, ProviderStreamEvent } from '@assay/providers-spec';
import { geminiErrorFromBody } from './errors';
import { isObject } from './translate-request';
import { finishReasonFromGemini, type GeminiTranslateOptions, type GeminiUsageMetadata, partsToOpenAI, randomId, usageFromGemini } from './translate-response';

type Json = Record<string, unknown>;

export class GeminiStreamTranslator {
  private id: string | undefined;
  private model: string;
  private readonly created: number;
  private readonly newId: NonNullable<GeminiTranslateOptions['newId']>;
  private readonly started = new Set<number>();
  private readonly toolCounts = new Map<number, number>();
  private usage: GeminiUsageMetadata | undefined;

  constructor(
    private readonly provider: string,
    options: GeminiTranslateOptions = {},
  ) {
    this.created = options.created ?? Math.floor(Date.now() / 1000);
    this.newId = options.newId ?? randomId;
    this.model = options.model ?? '';
  }

  /** Translates one parsed SSE data payload; throws ProviderHttpError when it is an error envelope. */
  push(response: Json): ProviderStreamEvent[] {
    if (isObject(response.error)) throw geminiErrorFromBody(this.provider, 500, response);
    this.id ??= typeof response.responseId === 'string' ? response.responseId : this.newId('chatcmpl-');
    if (typeof response.modelVersion === 'string') this.model = response.modelVersion;
    if (isObject(response.usageMetadata)) this.usage = response.usageMetadata as GeminiUsageMetadata;
    const events: ProviderStreamEvent[] = [];
    const candidates = Array.isArray(response.candidates) ? response.candidates.filter(isObject) : [];
    if (candidates.length === 0 && isObject(response.promptFeedback) && response.promptFeedback.blockReason) {
      events.push(this.chunk(0, { role: 'assistant', content: null }, 'content_filter'));
    }
    candidates.forEach((candidate, i) => {
      const index = typeof candidate.index === 'number' ? candidate.index : i;
      const content = isObject(candidate.content) ? candidate.content : {};
      const { text, toolCalls } = partsToOpenAI(content.parts, this.newId);
      const delta: Json = {};
      if (!this.started.has(index)) {
        this.started.add(index);
        delta.role = 'assistant';
        delta.content = '';
      }
      if (text) delta.content = text;
      if (toolCalls.length > 0) {
        const base = this.toolCounts.get(index) ?? 0;
        this.toolCounts.set(index, base + toolCalls.length);
        delta.tool_calls = toolCalls.map((call, n) => ({ index: base + n, ...call }));
      }
      const finish = finishReasonFromGemini(candidate.finishReason, (this.toolCounts.get(index) ?? 0) > 0);
      if (Object.keys(delta).length > 0 && finish === null) events.push(this.chunk(index, delta, null));
      else if (Object.keys(delta).length > 0) events.push(this.chunk(index, delta, null), this.chunk(index, {}, finish));
      else if (finish !== null) events.push(this.chunk(index, {}, finish));
    });
    return events;
  }

  /** The usage event, once the stream has ended; nothing when Gemini reported no usage. */
  end(): ProviderStreamEvent[] {
    if (!this.usage) return [];
    const { openai, usage } = usageFromGemini(this.usage);
    const chunk: OpenAIObject = { ...this.envelope(), choices: [], usage: openai };
    return [{ type: 'usage', usage, chunk }];
  }

  private envelope(): Json {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model };
  }

  private chunk(index: number, delta: Json, finishReason: string | null): ProviderStreamEvent {
    return { type: 'chunk', chunk: { ...this.envelope(), choices: [{ index, delta, logprobs: null, finish_reason: finishReason }] } };
  }
}
