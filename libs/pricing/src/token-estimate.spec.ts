import { estimateChatUsage, estimateTokens, tokenizerFor } from './token-estimate';

const PROSE =
  'Assay is a self-hosted LLM gateway. Point your OpenAI SDK at it and it routes, retries, meters and bills every call, ' +
  'and it proves on your own traffic that a cheaper model is at least as good as your expensive baseline before switching to it. ' +
  'Money is exact: never floating point. Every metered event is priced with the price in force when it happened.';
const CODE = `export function backoffDelayMs(retry: number, settings: BackoffSettings): number {
  const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** retry);
  return Math.floor(Math.random() * ceiling);
}`;

describe('tokenizerFor', () => {
  it.each([
    ['gpt-4o', 'o200k_base'],
    ['gpt-4o-mini-2024-07-18', 'o200k_base'],
    ['gpt-4.1-nano', 'o200k_base'],
    ['gpt-5-mini', 'o200k_base'],
    ['o3', 'o200k_base'],
    ['o4-mini', 'o200k_base'],
    ['openai/gpt-4.1', 'o200k_base'],
    ['gpt-4-turbo', 'cl100k_base'],
    ['gpt-3.5-turbo', 'cl100k_base'],
    ['text-embedding-3-small', 'cl100k_base'],
  ])('counts %s with %s', (model, encoding) => {
    expect(tokenizerFor(model)).toEqual({ encoding });
  });

  it.each([
    ['claude-sonnet-4-5', 'anthropic'],
    ['models/gemini-2.5-pro', 'gemini'],
    ['mistral-large-latest', 'mistral'],
    ['codestral-latest', 'mistral'],
    ['llama-3.3-70b-versatile', 'llama'],
    ['meta-llama/llama-4-scout-17b-16e-instruct', 'llama'],
    ['deepseek-reasoner', 'deepseek'],
    ['mock-large', 'default'],
    ['o3x', 'default'],
  ])('estimates %s with the %s heuristic', (model, heuristic) => {
    expect(tokenizerFor(model)).toEqual({ heuristic });
  });
});

describe('estimateTokens', () => {
  it('counts OpenAI models with the real tokenizer', () => {
    expect(estimateTokens('Hello, world!', 'gpt-4o')).toEqual({ tokens: 4, method: 'tokenizer' });
    expect(estimateTokens('Hello, world!', 'gpt-3.5-turbo')).toEqual({ tokens: 4, method: 'tokenizer' });
  });

  it('treats special-token text in user content as ordinary text', () => {
    expect(estimateTokens('<|endoftext|>', 'gpt-4o').tokens).toBeGreaterThan(1);
  });

  it('counts nothing as zero', () => {
    expect(estimateTokens('', 'gpt-4o')).toEqual({ tokens: 0, method: 'tokenizer' });
    expect(estimateTokens('', 'claude-haiku-4-5')).toEqual({ tokens: 0, method: 'heuristic' });
  });

  it('estimates other families with a heuristic calibrated against a real BPE (within 35%, erring high)', () => {
    for (const text of [PROSE, CODE]) {
      const reference = estimateTokens(text, 'gpt-4o').tokens;
      for (const model of ['claude-sonnet-4-5', 'gemini-2.5-flash', 'mistral-small-latest', 'llama-3.1-8b-instant', 'deepseek-chat', 'mock-small']) {
        const { tokens, method } = estimateTokens(text, model);
        expect(method).toBe('heuristic');
        expect(tokens).toBeGreaterThanOrEqual(Math.floor(reference * 0.95));
        expect(tokens).toBeLessThanOrEqual(Math.ceil(reference * 1.35));
      }
    }
  });

  it('counts CJK characters individually in the heuristic', () => {
    const chinese = '今天天气很好我们去公园散步吧';
    expect(estimateTokens(chinese, 'claude-sonnet-4-5').tokens).toBeGreaterThanOrEqual(chinese.length);
    expect(estimateTokens(chinese, 'mock-large').tokens).toBe(chinese.length);
  });
});

describe('estimateChatUsage', () => {
  it('follows the OpenAI counting recipe for gpt-4o (matches the provider within a few tokens)', () => {
    // OpenAI reports 20 prompt tokens for this body on gpt-4o (3 priming + 2 × (3 + role + content)).
    const body = { model: 'gpt-4o', messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Say hello.' }] };
    const u = estimateChatUsage(body, 'Hello.', 'gpt-4o');
    expect(u.promptTokens).toBe(3 + (3 + 1 + 4) + (3 + 1 + 3));
    expect(u.completionTokens).toBe(2);
    expect(u.totalTokens).toBe(u.promptTokens + u.completionTokens);
    expect(u).toMatchObject({ cachedTokens: 0, reasoningTokens: 0, estimated: true, method: 'tokenizer' });
  });

  it('counts names, text parts, images, tool calls, tool definitions and response formats', () => {
    const base = { messages: [{ role: 'user', content: 'hi' }] };
    const baseline = estimateChatUsage(base, '', 'gpt-4o').promptTokens;
    const named = estimateChatUsage({ messages: [{ role: 'user', name: 'bob', content: 'hi' }] }, '', 'gpt-4o').promptTokens;
    expect(named).toBe(baseline + 1 + 1);
    const parts = estimateChatUsage(
      { messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }, { type: 'image_url', image_url: { url: 'u', detail: 'low' } }] }] },
      '',
      'gpt-4o',
    ).promptTokens;
    expect(parts).toBe(baseline + 765 + 85);
    const tools = estimateChatUsage({ ...base, tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }] }, '', 'gpt-4o');
    expect(tools.promptTokens).toBeGreaterThan(baseline + 5);
    const withCalls = estimateChatUsage(
      { messages: [...base.messages, { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"q":1}' } }] }, { role: 'tool', tool_call_id: 'c1', content: '42' }] },
      '',
      'gpt-4o',
    );
    expect(withCalls.promptTokens).toBeGreaterThan(baseline + 10);
    const schema = estimateChatUsage({ ...base, response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } } }, '', 'gpt-4o');
    expect(schema.promptTokens).toBeGreaterThan(baseline);
  });

  it('marks the whole estimate heuristic when the model has no bundled tokenizer', () => {
    const u = estimateChatUsage({ messages: [{ role: 'user', content: PROSE }] }, 'Sure.', 'claude-haiku-4-5');
    expect(u.method).toBe('heuristic');
    expect(u.estimated).toBe(true);
  });

  it('tolerates malformed bodies instead of failing the metering path', () => {
    expect(estimateChatUsage({}, 'ok', 'gpt-4o').promptTokens).toBe(3);
    expect(estimateChatUsage({ messages: 'nope' }, '', 'gpt-4o').promptTokens).toBe(3);
    expect(estimateChatUsage({ messages: [null, 7, { content: 42 }] }, '', 'gpt-4o').promptTokens).toBe(6);
  });
});
