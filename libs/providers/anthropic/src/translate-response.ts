// Anthropic Messages response → OpenAI chat.completion, and Anthropic usage → OpenAI usage. Pure.
import type { OpenAIObject, TokenUsage } from '@assay/providers-spec';
import { isObject } from './translate-request';

type Json = Record<string, unknown>;

export interface AnthropicTranslateOptions {
  /** The forced structured-output tool from the request plan, if any. */
  structuredOutputTool?: string;
  /** Unix seconds for `created`; defaults to now (fixtures pin it). */
  created?: number;
}

export interface AnthropicUsageWire {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/**
 * Anthropic's input_tokens exclude cache reads and writes; OpenAI's prompt_tokens include every
 * input token, with the cache reads counted again in cached_tokens.
 */
export function usageFromAnthropic(u: AnthropicUsageWire): { openai: Json; usage: TokenUsage } {
  const cacheRead = u.cache_read_input_tokens ?? 0;
  const promptTokens = (u.input_tokens ?? 0) + cacheRead + (u.cache_creation_input_tokens ?? 0);
  const completionTokens = u.output_tokens ?? 0;
  const usage: TokenUsage = { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, cachedTokens: cacheRead, reasoningTokens: 0 };
  return {
    usage,
    openai: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: cacheRead },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

const FINISH_REASONS: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function finishReasonFromAnthropic(stopReason: unknown, structuredOnly: boolean): string {
  if (stopReason === 'tool_use' && structuredOnly) return 'stop';
  return FINISH_REASONS[String(stopReason)] ?? 'stop';
}

export function openAICompletionFromAnthropic(message: Json, options: AnthropicTranslateOptions = {}): { completion: OpenAIObject; usage: TokenUsage } {
  const blocks = Array.isArray(message.content) ? message.content.filter(isObject) : [];
  let text = '';
  let structured: string | undefined;
  const toolCalls: Json[] = [];
  for (const block of blocks) {
    if (block.type === 'text') text += String(block.text ?? '');
    else if (block.type === 'tool_use' && block.name === options.structuredOutputTool) structured = JSON.stringify(block.input ?? {});
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: String(block.id), type: 'function', function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) } });
    }
    // thinking and redacted_thinking blocks have no place in a chat.completion message.
  }
  const content = structured ?? (text || null);
  const { openai, usage } = usageFromAnthropic(isObject(message.usage) ? (message.usage as AnthropicUsageWire) : {});
  const completion: OpenAIObject = {
    id: String(message.id ?? ''),
    object: 'chat.completion',
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: String(message.model ?? ''),
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
        logprobs: null,
        finish_reason: finishReasonFromAnthropic(message.stop_reason, toolCalls.length === 0 && structured !== undefined),
      },
    ],
    usage: openai,
  };
  return { completion, usage };
}
