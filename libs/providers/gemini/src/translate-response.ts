// Gemini GenerateContentResponse → OpenAI chat.completion, and usageMetadata → OpenAI usage. Pure.
import { randomUUID } from 'node:crypto';
import type { OpenAIObject, TokenUsage } from '@assay/providers-spec';
import { isObject } from './translate-request';

type Json = Record<string, unknown>;

export interface GeminiTranslateOptions {
  /** Unix seconds for `created`; defaults to now (fixtures pin it). */
  created?: number;
  /** Used when Gemini gives no responseId / functionCall id; defaults to random ids. */
  newId?: (prefix: 'chatcmpl-' | 'call_') => string;
  /** Reported as `model` when the response has no modelVersion. */
  model?: string;
}

export function randomId(prefix: string): string {
  return `${prefix}${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
  cachedContentTokenCount?: number;
  totalTokenCount?: number;
}

/**
 * Gemini's promptTokenCount already includes cached tokens (like OpenAI's prompt_tokens);
 * candidatesTokenCount excludes thinking, which OpenAI counts in completion_tokens.
 */
export function usageFromGemini(m: GeminiUsageMetadata): { openai: Json; usage: TokenUsage } {
  const promptTokens = (m.promptTokenCount ?? 0) + (m.toolUsePromptTokenCount ?? 0);
  const reasoningTokens = m.thoughtsTokenCount ?? 0;
  const completionTokens = (m.candidatesTokenCount ?? 0) + reasoningTokens;
  const totalTokens = m.totalTokenCount ?? promptTokens + completionTokens;
  const cachedTokens = m.cachedContentTokenCount ?? 0;
  return {
    usage: { promptTokens, completionTokens, totalTokens, cachedTokens, reasoningTokens },
    openai: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: totalTokens,
      prompt_tokens_details: { cached_tokens: cachedTokens },
      completion_tokens_details: { reasoning_tokens: reasoningTokens },
    },
  };
}

const CONTENT_FILTER_REASONS = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']);

export function finishReasonFromGemini(reason: unknown, calledFunction: boolean): string | null {
  if (reason === undefined || reason === null || reason === 'FINISH_REASON_UNSPECIFIED') return null;
  if (calledFunction) return 'tool_calls';
  if (reason === 'MAX_TOKENS') return 'length';
  if (CONTENT_FILTER_REASONS.has(String(reason))) return 'content_filter';
  return 'stop';
}

/** One candidate's parts as OpenAI text and tool calls; thought-summary parts are left out. */
export function partsToOpenAI(parts: unknown, newId: (prefix: 'call_') => string): { text: string; toolCalls: Json[] } {
  let text = '';
  const toolCalls: Json[] = [];
  for (const part of Array.isArray(parts) ? parts : []) {
    if (!isObject(part) || part.thought === true) continue;
    if (typeof part.text === 'string') text += part.text;
    else if (isObject(part.functionCall)) {
      const call = part.functionCall;
      toolCalls.push({
        id: typeof call.id === 'string' && call.id ? call.id : newId('call_'),
        type: 'function',
        function: { name: String(call.name), arguments: JSON.stringify(call.args ?? {}) },
      });
    }
  }
  return { text, toolCalls };
}

export function openAICompletionFromGemini(response: Json, options: GeminiTranslateOptions = {}): { completion: OpenAIObject; usage: TokenUsage } {
  const newId = options.newId ?? randomId;
  const candidates = Array.isArray(response.candidates) ? response.candidates.filter(isObject) : [];
  const choices = candidates.map((candidate, i) => {
    const content = isObject(candidate.content) ? candidate.content : {};
    const { text, toolCalls } = partsToOpenAI(content.parts, newId);
    return {
      index: typeof candidate.index === 'number' ? candidate.index : i,
      message: { role: 'assistant', content: text || null, refusal: null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
      logprobs: null,
      finish_reason: finishReasonFromGemini(candidate.finishReason, toolCalls.length > 0) ?? 'stop',
    };
  });
  // A prompt blocked by safety settings comes back without candidates.
  if (choices.length === 0) {
    choices.push({ index: 0, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' });
  }
  const { openai, usage } = usageFromGemini(isObject(response.usageMetadata) ? (response.usageMetadata as GeminiUsageMetadata) : {});
  const completion: OpenAIObject = {
    id: typeof response.responseId === 'string' ? response.responseId : newId('chatcmpl-'),
    object: 'chat.completion',
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: typeof response.modelVersion === 'string' ? response.modelVersion : (options.model ?? ''),
    choices,
    usage: openai,
  };
  return { completion, usage };
}
