import { type MockConfig, type MockProvider, startMockProvider } from './index';

async function withMock(config: MockConfig, run: (mock: MockProvider) => Promise<void>): Promise<void> {
  const mock = await startMockProvider({ port: 0, config });
  try {
    await run(mock);
  } finally {
    await mock.close();
  }
}

type Json = Record<string, unknown>;
const hello = { contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }] };
const post = (mock: MockProvider, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${mock.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'x-goog-api-key': 'AIza-test', ...headers } });

describe('mock provider over the Gemini wire', () => {
  it('answers generateContent with a model candidate, STOP and usageMetadata, the same way twice', async () => {
    await withMock({}, async (mock) => {
      const first = (await (await post(mock, '/v1beta/models/gemini-2.5-flash:generateContent', hello)).json()) as Json;
      expect(first).toMatchObject({
        candidates: [{ content: { role: 'model', parts: [{ text: expect.any(String) }] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: expect.any(Number), candidatesTokenCount: expect.any(Number), totalTokenCount: expect.any(Number) },
        modelVersion: 'gemini-2.5-flash',
      });
      const again = (await (await post(mock, '/v1beta/models/gemini-2.5-flash:generateContent', hello)).json()) as Json;
      expect(again.candidates).toEqual(first.candidates);
      expect(mock.requests()[0]).toMatchObject({ path: '/v1beta/models/gemini-2.5-flash:generateContent', model: 'gemini-2.5-flash', headers: { 'x-goog-api-key': 'AIza-test' } });
    });
  });

  it('streams CRLF-framed SSE events with alt=sse whose texts join to the non-streamed answer', async () => {
    await withMock({}, async (mock) => {
      const plain = (await (await post(mock, '/v1beta/models/gemini-2.5-flash:generateContent', hello)).json()) as { candidates: { content: { parts: { text: string }[] } }[] };
      const response = await post(mock, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', hello);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const text = await response.text();
      const events = text
        .split('\r\n\r\n')
        .filter(Boolean)
        .map((e) => JSON.parse(e.slice('data: '.length)) as { candidates: { content: { parts: { text: string }[] }; finishReason?: string }[] });
      expect(events.length).toBeGreaterThan(2);
      expect(events.map((e) => e.candidates[0]?.content.parts[0]?.text).join('')).toBe(plain.candidates[0]?.content.parts[0]?.text);
      expect(events.at(-1)?.candidates[0]?.finishReason).toBe('STOP');
      const array = (await (await post(mock, '/v1beta/models/gemini-2.5-flash:streamGenerateContent', hello)).json()) as unknown[];
      expect(array).toHaveLength(events.length);
    });
  });

  it('calls the declared function with arguments valid for its schema, and answers in text after a functionResponse', async () => {
    await withMock({}, async (mock) => {
      const tools = [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] }];
      const call = (await (await post(mock, '/v1beta/models/gemini-2.5-flash:generateContent', { ...hello, tools })).json()) as Json;
      expect(call).toMatchObject({ candidates: [{ content: { parts: [{ functionCall: { name: 'get_weather', args: { city: expect.any(String) } } }] }, finishReason: 'STOP' }] });
      const contents = [...hello.contents, { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] }, { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 18 } } }] }];
      const answer = (await (await post(mock, '/v1beta/models/gemini-2.5-flash:generateContent', { contents, tools })).json()) as Json;
      expect(answer).toMatchObject({ candidates: [{ content: { parts: [{ text: expect.any(String) }] } }] });
    });
  });

  it('follows responseJsonSchema and stops at maxOutputTokens with MAX_TOKENS', async () => {
    await withMock({}, async (mock) => {
      const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };
      const json = (await (await post(mock, '/v1beta/models/gemini-2.5-flash:generateContent', { ...hello, generationConfig: { responseMimeType: 'application/json', responseJsonSchema: schema } })).json()) as {
        candidates: { content: { parts: { text: string }[] } }[];
      };
      expect(JSON.parse(json.candidates[0]?.content.parts[0]?.text ?? '')).toEqual({ name: expect.any(String) });
      const cut = (await (await post(mock, '/v1beta/models/gemini-2.5-flash:generateContent', { ...hello, generationConfig: { maxOutputTokens: 2 } })).json()) as Json;
      expect(cut).toMatchObject({ candidates: [{ finishReason: 'MAX_TOKENS' }], usageMetadata: { candidatesTokenCount: 2 } });
    });
  });

  it('embeds a batch with one deterministic vector per request', async () => {
    await withMock({}, async (mock) => {
      const body = { requests: ['a', 'b', 'a'].map((text) => ({ model: 'models/gemini-embedding-001', content: { parts: [{ text }] }, outputDimensionality: 4 })) };
      const result = (await (await post(mock, '/v1beta/models/gemini-embedding-001:batchEmbedContents', body)).json()) as { embeddings: { values: number[] }[] };
      expect(result.embeddings).toHaveLength(3);
      expect(result.embeddings[0]?.values).toHaveLength(4);
      expect(result.embeddings[2]?.values).toEqual(result.embeddings[0]?.values);
    });
  });

  it('answers faults and bad requests in Google error envelopes, rate limits with Retry-After and RetryInfo', async () => {
    await withMock({ models: { 'gemini-2.5-flash': { failFirst: 1, errorStatus: 503, rateLimit: { everyNth: 3, retryAfterSeconds: 7 } } } }, async (mock) => {
      const failed = await post(mock, '/v1beta/models/gemini-2.5-flash:generateContent', hello);
      expect(failed.status).toBe(503);
      expect(await failed.json()).toEqual({ error: { code: 503, message: expect.any(String), status: 'UNAVAILABLE' } });
      expect((await post(mock, '/v1beta/models/gemini-2.5-flash:generateContent', hello)).status).toBe(200);
      const limited = await post(mock, '/v1beta/models/gemini-2.5-flash:generateContent', hello);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('7');
      expect(await limited.json()).toMatchObject({ error: { code: 429, status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }] } });
      const invalid = await post(mock, '/v1beta/models/gemini-2.5-flash:generateContent', { contents: [] });
      expect(invalid.status).toBe(400);
      expect(await invalid.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
      const unknown = await post(mock, '/v1beta/models/gemini-2.5-flash:countTokens', hello);
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ error: { status: 'NOT_FOUND' } });
    });
  });

  it('checks the key from x-goog-api-key or ?key= and waits ttftMs before answering', async () => {
    await withMock({ requireApiKey: 'AIza-right', ttftMs: 60 }, async (mock) => {
      expect((await post(mock, '/v1beta/models/gemini-2.5-flash:generateContent', hello)).status).toBe(401);
      const started = performance.now();
      const byQuery = await fetch(`${mock.url}/v1beta/models/gemini-2.5-flash:generateContent?key=AIza-right`, { method: 'POST', body: JSON.stringify(hello) });
      expect(byQuery.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(50);
    });
  });

  it('hangs when configured to, until the client gives up', async () => {
    await withMock({ models: { 'gemini-2.5-flash': { hang: true } } }, async (mock) => {
      const attempt = fetch(`${mock.url}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', body: JSON.stringify(hello), signal: AbortSignal.timeout(150) });
      await expect(attempt).rejects.toThrow();
    });
  });
});
