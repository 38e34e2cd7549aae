// Approximate token accounting for the mock provider: roughly one token per four characters, the
// rule of thumb for English with OpenAI and Anthropic tokenizers. Never exact, but stable and
// proportional to size, which is what metering, budget and benchmark tests need.

const CHARS_PER_TOKEN = 4;
// OpenAI's documented chat accounting adds ~3 tokens of framing per message and 3 to prime the reply.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_REPLY_PRIMING = 3;
// A low-detail image costs a flat 85 tokens on OpenAI; used for any non-text part.
const TOKENS_PER_IMAGE = 85;

export function countTextTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / CHARS_PER_TOKEN));
}

/** The longest prefix of `text` that fits in `maxTokens` by the same rule. */
export function truncateToTokens(text: string, maxTokens: number): string {
  return text.slice(0, Math.max(0, maxTokens) * CHARS_PER_TOKEN);
}

/** Text of an OpenAI or Anthropic message content: a string, or an array of parts/blocks. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (part && typeof part === 'object') {
      const p = part as Record<string, unknown>;
      if (typeof p.text === 'string') text += (text ? '\n' : '') + p.text;
      else if (p.type === 'tool_result') text += (text ? '\n' : '') + contentText(p.content);
    }
  }
  return text;
}

function contentTokens(content: unknown): number {
  if (content == null) return 0;
  if (typeof content === 'string') return countTextTokens(content);
  if (!Array.isArray(content)) return countTextTokens(JSON.stringify(content));
  let tokens = 0;
  for (const part of content) {
    const p = (part ?? {}) as Record<string, unknown>;
    if (typeof p.text === 'string') tokens += countTextTokens(p.text);
    else if (p.type === 'tool_result') tokens += contentTokens(p.content);
    else if (p.type === 'tool_use') tokens += countTextTokens(JSON.stringify(p.input ?? {}));
    else tokens += TOKENS_PER_IMAGE;
  }
  return tokens;
}

/** Prompt tokens of a chat request (OpenAI or Anthropic shape), tool definitions included. */
export function countPromptTokens(messages: readonly unknown[], extras: { system?: unknown; tools?: unknown } = {}): number {
  let tokens = TOKENS_REPLY_PRIMING;
  if (extras.system != null) tokens += TOKENS_PER_MESSAGE + contentTokens(extras.system);
  for (const message of messages) {
    const m = (message ?? {}) as Record<string, unknown>;
    tokens += TOKENS_PER_MESSAGE + contentTokens(m.content);
    if (m.tool_calls != null) tokens += countTextTokens(JSON.stringify(m.tool_calls));
  }
  if (Array.isArray(extras.tools) && extras.tools.length > 0) tokens += countTextTokens(JSON.stringify(extras.tools));
  return tokens;
}
