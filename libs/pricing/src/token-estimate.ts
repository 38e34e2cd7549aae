// Token counts for calls whose provider reported no usage (some streams end without a usage
// chunk, clients disconnect mid-stream). Every figure from here is an ESTIMATE and is marked so:
// metering must store the flag, and reported usage always wins over an estimate.
//
// OpenAI families are counted with their real BPE (js-tiktoken, ranks bundled, works offline):
// o200k_base for gpt-4o / 4.1 / 4.5 / 5 / o-series, cl100k_base for gpt-4, gpt-3.5 and the v3
// embeddings. Other families' tokenizers are not public or not bundled, so they use a chars/token
// ratio calibrated per family against English prose and code (see token-estimate.spec.ts).
import { Tiktoken } from 'js-tiktoken/lite';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';
import o200kBase from 'js-tiktoken/ranks/o200k_base';

export type EstimateMethod = 'tokenizer' | 'heuristic';

export interface TokenEstimate {
  tokens: number;
  method: EstimateMethod;
}

export interface EstimatedChatUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: 0;
  reasoningTokens: 0;
  totalTokens: number;
  /** Always true: store it with the usage record. */
  estimated: true;
  /** 'tokenizer' only when every part was counted with the model's real tokenizer. */
  method: EstimateMethod;
}

type Encoding = 'o200k_base' | 'cl100k_base';

interface Heuristic {
  /** Characters per token for non-CJK text. */
  charsPerToken: number;
  /** Tokens per CJK / kana / hangul character (these rarely merge into multi-char tokens). */
  tokensPerCjkChar: number;
}

/**
 * Calibrated ratios. Why these numbers: on mixed English prose and code o200k averages ~4.3
 * chars/token; Claude's tokenizer is known to produce roughly 10-20% more tokens than OpenAI's for
 * the same English, Llama 3 uses a 128k tiktoken-style vocabulary close to cl100k, Mistral's Tekken
 * and Gemini's SentencePiece sit in between. Where unsure we err towards MORE tokens: an estimate
 * that under-counts lets unmetered streams leak spend.
 */
const HEURISTICS: Record<'anthropic' | 'gemini' | 'mistral' | 'llama' | 'deepseek' | 'default', Heuristic> = {
  anthropic: { charsPerToken: 3.5, tokensPerCjkChar: 1.2 },
  gemini: { charsPerToken: 4.0, tokensPerCjkChar: 0.8 },
  mistral: { charsPerToken: 3.7, tokensPerCjkChar: 1.0 },
  llama: { charsPerToken: 3.9, tokensPerCjkChar: 1.0 },
  deepseek: { charsPerToken: 3.8, tokensPerCjkChar: 0.7 },
  default: { charsPerToken: 3.6, tokensPerCjkChar: 1.0 },
};

/** ChatML framing per message in OpenAI's counting recipe: <|start|>{role}\n … <|end|>. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
/** Every reply is primed with <|start|>assistant<|message|>. */
const REPLY_PRIMING_TOKENS = 3;
/** Why 765: a 1024×1024 image at high/auto detail costs 85 + 4 tiles × 170 on OpenAI; the size is unknown here. */
const IMAGE_TOKENS = 765;
/** Low-detail images are a flat 85 tokens. */
const LOW_DETAIL_IMAGE_TOKENS = 85;

const encoders = new Map<Encoding, Tiktoken>();

function encoder(encoding: Encoding): Tiktoken {
  let enc = encoders.get(encoding);
  if (!enc) {
    // Built lazily: constructing the BPE tables takes ~100 ms and most processes never need one.
    enc = new Tiktoken(encoding === 'o200k_base' ? o200kBase : cl100kBase);
    encoders.set(encoding, enc);
  }
  return enc;
}

/** The tokenizer family of a model name ("gpt-4o-mini-2024-07-18", "openai/gpt-4.1", "models/gemini-2.5-pro"). */
export function tokenizerFor(model: string): { encoding: Encoding } | { heuristic: keyof typeof HEURISTICS } {
  const name = model.toLowerCase().slice(model.lastIndexOf('/') + 1);
  if (/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o1|o3|o4)(\b|-|$)/.test(name)) return { encoding: 'o200k_base' };
  if (/^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)/.test(name)) return { encoding: 'cl100k_base' };
  if (name.startsWith('claude')) return { heuristic: 'anthropic' };
  if (name.startsWith('gemini') || name.startsWith('gemma') || name.startsWith('text-embedding-00')) return { heuristic: 'gemini' };
  if (/^(mistral|ministral|codestral|devstral|magistral|open-mi[sx]tral|pixtral)/.test(name)) return { heuristic: 'mistral' };
  if (name.includes('llama')) return { heuristic: 'llama' };
  if (name.startsWith('deepseek')) return { heuristic: 'deepseek' };
  return { heuristic: 'default' };
}

export function estimateTokens(text: string, model: string): TokenEstimate {
  if (text.length === 0) return { tokens: 0, method: 'heuristic' in tokenizerFor(model) ? 'heuristic' : 'tokenizer' };
  const family = tokenizerFor(model);
  if ('encoding' in family) {
    // Special-token text inside user content is ordinary text to the provider: disallow nothing.
    return { tokens: encoder(family.encoding).encode(text, [], []).length, method: 'tokenizer' };
  }
  return { tokens: heuristicTokens(text, HEURISTICS[family.heuristic]), method: 'heuristic' };
}

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/u;

function heuristicTokens(text: string, h: Heuristic): number {
  let cjk = 0;
  let other = 0;
  for (const ch of text) {
    if (CJK.test(ch)) cjk += 1;
    else other += 1;
  }
  return Math.ceil(other / h.charsPerToken + cjk * h.tokensPerCjkChar);
}

/** The parts of an OpenAI chat-completions request body that carry prompt tokens. */
export interface ChatRequestLike {
  messages?: unknown;
  tools?: unknown;
  functions?: unknown;
  response_format?: unknown;
}

/**
 * Estimated usage for a chat completion from the OpenAI-shaped request body and the text the
 * client received. Follows OpenAI's counting recipe (3 tokens per message, 1 per name, 3 to prime
 * the reply); tool definitions and JSON schemas are counted as their JSON text, which is close to
 * but not exactly the provider's internal rendering.
 */
export function estimateChatUsage(body: ChatRequestLike, completionText: string, model: string): EstimatedChatUsage {
  let method: EstimateMethod = 'tokenizer';
  const count = (text: string): number => {
    const estimate = estimateTokens(text, model);
    if (estimate.method === 'heuristic') method = 'heuristic';
    return estimate.tokens;
  };

  let prompt = REPLY_PRIMING_TOKENS;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    if (!isRecord(message)) continue;
    prompt += TOKENS_PER_MESSAGE;
    if (typeof message.role === 'string') prompt += count(message.role);
    if (typeof message.name === 'string') prompt += TOKENS_PER_NAME + count(message.name);
    prompt += contentTokens(message.content, count);
    if (message.tool_calls !== undefined) prompt += count(JSON.stringify(message.tool_calls));
    if (typeof message.tool_call_id === 'string') prompt += count(message.tool_call_id);
  }
  for (const extra of [body.tools, body.functions, body.response_format]) {
    if (extra !== undefined && extra !== null) prompt += count(JSON.stringify(extra));
  }
  const completion = count(completionText);
  return {
    promptTokens: prompt,
    completionTokens: completion,
    cachedTokens: 0,
    reasoningTokens: 0,
    totalTokens: prompt + completion,
    estimated: true,
    method,
  };
}

function contentTokens(content: unknown, count: (text: string) => number): number {
  if (typeof content === 'string') return count(content);
  if (!Array.isArray(content)) return 0;
  let tokens = 0;
  for (const part of content) {
    if (!isRecord(part)) continue;
    if (typeof part.text === 'string') tokens += count(part.text);
    else if (part.type === 'image_url') {
      const detail = isRecord(part.image_url) ? part.image_url.detail : undefined;
      tokens += detail === 'low' ? LOW_DETAIL_IMAGE_TOKENS : IMAGE_TOKENS;
    }
    // Audio and file parts are not estimated: their size in tokens is unknowable from the bytes.
  }
  return tokens;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
