import OpenAI from 'openai';
import { z } from 'zod';
import { type MockConfig, type MockProvider, startMockProvider } from './index';

async function withMock(config: MockConfig, run: (mock: MockProvider, client: OpenAI) => Promise<void>): Promise<void> {
  const mock = await startMockProvider({ port: 0, config });
  try {
    await run(mock, new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'sk-test', maxRetries: 0 }));
  } finally {
    await mock.close();
  }
}

const hello = [{ role: 'user' as const, content: 'Say hello' }];

describe('mock provider over the OpenAI client', () => {
  it('answers a chat completion with a complete, deterministic response', async () => {
    await withMock({}, async (_mock, client) => {
      const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
      const second = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
      expect(first).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini', system_fingerprint: expect.any(String) });
      expect(first.id).toMatch(/^chatcmpl-/);
      expect(first.choices[0]).toMatchObject({ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', refusal: null } });
      expect(first.choices[0]?.message.content?.length).toBeGreaterThan(10);
      expect(second.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
      expect(first.id).not.toBe(second.id);
      const usage = first.usage!;
      expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
      expect(usage.completion_tokens).toBe(Math.ceil(first.choices[0]!.message.content!.length / 4));
      expect(usage.prompt_tokens_details?.cached_tokens).toBe(0);
      expect(usage.completion_tokens_details?.reasoning_tokens).toBe(0);
    });
  });

  it('gives different models and prompts different answers', async () => {
    await withMock({}, async (_mock, client) => {
      const answers = await Promise.all(
        ['a question about caching', 'a question about retries', 'a third question'].map(async (content) => {
          const r = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }] });
          return r.choices[0]?.message.content;
        }),
      );
      expect(new Set(answers).size).toBeGreaterThan(1);
    });
  });

  it('answers as another model when answerAs says so, only for prompts containing its marker', async () => {
    const config = { models: { cheap: { answerAs: { model: 'gpt-4o', whenPromptContains: 'invoice' } } } };
    await withMock(config, async (_mock, client) => {
      const answer = async (model: string, content: string) =>
        (await client.chat.completions.create({ model, messages: [{ role: 'user', content }] })).choices[0]?.message.content;
      expect(await answer('cheap', 'Classify this invoice: 42')).toBe(await answer('gpt-4o', 'Classify this invoice: 42'));
      expect(await answer('cheap', 'Summarise this memo: 42')).not.toBe(await answer('gpt-4o', 'Summarise this memo: 42'));
    });
  });

  it('returns n choices', async () => {
    await withMock({}, async (_mock, client) => {
      const r = await client.chat.completions.create({ model: 'gpt-4o', messages: hello, n: 3 });
      expect(r.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    });
  });

  it('truncates at max_completion_tokens with finish_reason "length"', async () => {
    await withMock({}, async (_mock, client) => {
      const r = await client.chat.completions.create({ model: 'gpt-4o', messages: hello, max_completion_tokens: 3 });
      expect(r.choices[0]?.finish_reason).toBe('length');
      expect(r.usage?.completion_tokens).toBe(3);
      expect(r.choices[0]?.message.content).toHaveLength(12);
    });
  });

  it('streams content in several deltas and ends with a usage chunk when include_usage is set', async () => {
    await withMock({}, async (_mock, client) => {
      const plain = await client.chat.completions.create({ model: 'gpt-4o', messages: hello });
      const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: hello, stream: true, stream_options: { include_usage: true } });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]?.id)).toBe(true);
      expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
      const contentChunks = chunks.filter((c) => c.choices[0]?.delta.content);
      expect(contentChunks.length).toBeGreaterThan(3);
      expect(contentChunks.map((c) => c.choices[0]?.delta.content).join('')).toBe(plain.choices[0]?.message.content);
      expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage).toEqual(plain.usage);
    });
  });

  it('calls the first tool with arguments valid against its parameters schema', async () => {
    const weather = z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']), days: z.int().min(1).max(7) });
    await withMock({}, async (_mock, client) => {
      const r = await client.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [
          { type: 'function', function: { name: 'get_weather', parameters: z.toJSONSchema(weather) } },
          { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
        ],
      });
      const choice = r.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.content).toBeNull();
      const call = choice.message.tool_calls?.[0];
      expect(call?.id).toMatch(/^call_/);
      expect(call?.type === 'function' && call.function.name).toBe('get_weather');
      expect(weather.safeParse(JSON.parse(call?.type === 'function' ? call.function.arguments : '')).success).toBe(true);
    });
  });

  it('calls the forced tool, streams its arguments as tool_calls deltas, and answers in text after the tool result', async () => {
    await withMock({}, async (_mock, client) => {
      const tools: OpenAI.ChatCompletionTool[] = [
        { type: 'function', function: { name: 'first', parameters: { type: 'object', properties: {} } } },
        { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } } },
      ];
      const stream = client.chat.completions.stream({ model: 'gpt-4o', messages: hello, tools, tool_choice: { type: 'function', function: { name: 'lookup' } } });
      let deltas = 0;
      stream.on('chunk', (c) => (deltas += c.choices[0]?.delta.tool_calls ? 1 : 0));
      const final = await stream.finalChatCompletion();
      const call = final.choices[0]?.message.tool_calls?.[0];
      expect(final.choices[0]?.finish_reason).toBe('tool_calls');
      expect(call?.type === 'function' && call.function.name).toBe('lookup');
      expect(JSON.parse(call?.type === 'function' ? call.function.arguments : '')).toEqual({ query: expect.any(String) });
      expect(deltas).toBeGreaterThan(1);

      const followUp = await client.chat.completions.create({
        model: 'gpt-4o',
        tools,
        messages: [...hello, final.choices[0]!.message, { role: 'tool', tool_call_id: call!.id, content: '42' }],
      });
      expect(followUp.choices[0]?.finish_reason).toBe('stop');
      expect(typeof followUp.choices[0]?.message.content).toBe('string');
    });
  });

  it('answers json_schema response formats with JSON valid against the schema', async () => {
    const invoice = z.object({
      number: z.string(),
      issuedAt: z.iso.datetime(),
      lines: z.array(z.object({ sku: z.string(), quantity: z.int().min(1), price: z.number().min(0) })).min(2),
      status: z.enum(['draft', 'sent', 'paid']),
      memo: z.string().nullable(),
    });
    await withMock({}, async (_mock, client) => {
      const r = await client.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Make an invoice' }],
        response_format: { type: 'json_schema', json_schema: { name: 'invoice', strict: true, schema: z.toJSONSchema(invoice) } },
      });
      const parsed = invoice.safeParse(JSON.parse(r.choices[0]?.message.content ?? ''));
      expect(parsed.error).toBeUndefined();
    });
  });

  it('answers json_object response formats with a JSON object', async () => {
    await withMock({}, async (_mock, client) => {
      const r = await client.chat.completions.create({ model: 'gpt-4o', messages: hello, response_format: { type: 'json_object' } });
      expect(JSON.parse(r.choices[0]?.message.content ?? '')).toEqual({ answer: expect.any(String) });
    });
  });

  it('breaks JSON answers on purpose when invalidJson is configured', async () => {
    const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false };
    await withMock({ models: { broken: { invalidJson: true }, violating: { invalidJson: 'schema_violation' } } }, async (_mock, client) => {
      const ask = (model: string) =>
        client.chat.completions.create({ model, messages: hello, response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } });
      const malformed = (await ask('broken')).choices[0]?.message.content ?? '';
      expect(() => JSON.parse(malformed)).toThrow(SyntaxError);
      expect(JSON.parse((await ask('violating')).choices[0]?.message.content ?? '')).toEqual({});
      expect(JSON.parse((await ask('fine')).choices[0]?.message.content ?? '')).toEqual({ name: expect.any(String) });
    });
  });

  it('returns deterministic unit-length embeddings as floats or base64', async () => {
    await withMock({}, async (_mock, client) => {
      // Without encoding_format the SDK asks for base64 and decodes it, so this covers both encodings.
      const decoded = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] });
      const floats = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'], encoding_format: 'float' });
      expect(decoded.data).toHaveLength(2);
      const [alpha, beta] = floats.data.map((d) => d.embedding);
      expect(alpha).toHaveLength(8);
      expect(Math.hypot(...alpha!)).toBeCloseTo(1, 5);
      expect(alpha).not.toEqual(beta);
      decoded.data.forEach((d, i) => d.embedding.forEach((v, j) => expect(v).toBeCloseTo(floats.data[i]!.embedding[j]!, 6)));
      expect(floats.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 }); // ceil(5/4) + ceil(4/4)
      const wide = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'alpha', dimensions: 32, encoding_format: 'float' });
      expect(wide.data[0]?.embedding).toHaveLength(32);
    });
  });

  it('lists configured models before the default ones', async () => {
    await withMock({ models: { 'acme-large': {}, '*': {} } }, async (_mock, client) => {
      const ids: string[] = [];
      for await (const model of client.models.list()) ids.push(model.id);
      expect(ids[0]).toBe('acme-large');
      expect(ids).toContain('gpt-4o-mini');
      expect(ids).not.toContain('*');
    });
  });

  it('surfaces a 429 with Retry-After and the rate_limit_exceeded envelope', async () => {
    await withMock({ models: { 'gpt-4o': { rateLimit: { everyNth: 2, retryAfterSeconds: 3 } } } }, async (_mock, client) => {
      await client.chat.completions.create({ model: 'gpt-4o', messages: hello });
      const error = await client.chat.completions.create({ model: 'gpt-4o', messages: hello }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      const rateLimited = error as InstanceType<typeof OpenAI.RateLimitError>;
      expect(rateLimited.headers.get('retry-after')).toBe('3');
      expect(rateLimited.code).toBe('rate_limit_exceeded');
      expect(rateLimited.type).toBe('requests');
    });
  });

  it('fails the first N requests to a model with errorStatus, then answers', async () => {
    await withMock({ models: { flaky: { failFirst: 2, errorStatus: 503 } } }, async (mock, client) => {
      const outcome = () =>
        client.chat.completions.create({ model: 'flaky', messages: hello }).then(
          () => 200,
          (e: unknown) => (e as { status: number }).status,
        );
      expect([await outcome(), await outcome(), await outcome()]).toEqual([503, 503, 200]);
      expect((await client.chat.completions.create({ model: 'gpt-4o', messages: hello })).choices).toHaveLength(1);
      expect(mock.requests().map((r) => r.model)).toEqual(['flaky', 'flaky', 'flaky', 'gpt-4o']);
    });
  });

  it('lets the SDK retry past an injected failure when Retry-After is zero', async () => {
    await withMock({ models: { 'gpt-4o': { failFirst: 1, errorStatus: 429, rateLimit: { retryAfterSeconds: 0 } } } }, async (mock) => {
      const client = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'sk-test', maxRetries: 1 });
      const r = await client.chat.completions.create({ model: 'gpt-4o', messages: hello });
      expect(r.choices[0]?.finish_reason).toBe('stop');
      expect(mock.requests()).toHaveLength(2);
    });
  });

  it('applies a config changed at run time, restarting the fault counters', async () => {
    await withMock({ reply: 'first reply' }, async (mock, client) => {
      expect((await client.chat.completions.create({ model: 'gpt-4o', messages: hello })).choices[0]?.message.content).toBe('first reply');
      mock.setConfig({ models: { 'gpt-4o': { reply: 'second reply' } } });
      expect((await client.chat.completions.create({ model: 'gpt-4o', messages: hello })).choices[0]?.message.content).toBe('second reply');
      const put = await fetch(`${mock.url}/_mock/config`, { method: 'PUT', body: JSON.stringify({ failFirst: 1 }) });
      expect(put.status).toBe(200);
      await expect(client.chat.completions.create({ model: 'gpt-4o', messages: hello })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
      expect((await client.chat.completions.create({ model: 'gpt-4o', messages: hello })).choices[0]?.message.content).not.toBe('second reply');
    });
  });

  it('rejects a wrong API key with 401 invalid_api_key', async () => {
    await withMock({ requireApiKey: 'sk-right' }, async (mock, client) => {
      const error = await client.chat.completions.create({ model: 'gpt-4o', messages: hello }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
      const good = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'sk-right', maxRetries: 0 });
      await expect(good.chat.completions.create({ model: 'gpt-4o', messages: hello })).resolves.toBeDefined();
    });
  });
});
