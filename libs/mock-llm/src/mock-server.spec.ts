import { type MockConfig, type MockProvider, startMockProvider } from './index';

async function withMock(config: MockConfig, run: (mock: MockProvider) => Promise<void>): Promise<void> {
  const mock = await startMockProvider({ port: 0, config });
  try {
    await run(mock);
  } finally {
    await mock.close();
  }
}

const chatBody = (extra: object = {}) => JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Say hello' }], ...extra });
const post = (mock: MockProvider, path: string, body: string, signal?: AbortSignal) => fetch(`${mock.url}${path}`, { method: 'POST', body, signal });

describe('mock provider HTTP edge', () => {
  it('answers malformed JSON with 400 in the envelope of the protocol addressed', async () => {
    await withMock({}, async (mock) => {
      const openai = await post(mock, '/v1/chat/completions', '{"model":');
      expect(openai.status).toBe(400);
      expect(await openai.json()).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: null } });
      const anthropic = await post(mock, '/v1/messages', 'not json');
      expect(anthropic.status).toBe(400);
      expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      expect(mock.requests()[1]?.body).toBe('not json');
    });
  });

  it('answers unknown paths with 404', async () => {
    await withMock({}, async (mock) => {
      const response = await post(mock, '/v1/completions/nope', '{}');
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', message: 'Invalid URL (POST /v1/completions/nope)' } });
    });
  });

  it('reports 400 with the offending param for a chat request without messages', async () => {
    await withMock({}, async (mock) => {
      const response = await post(mock, '/v1/chat/completions', JSON.stringify({ model: 'gpt-4o' }));
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { param: 'messages', type: 'invalid_request_error' } });
    });
  });

  it('changes behaviour through PUT /_mock/config and rejects an invalid config with 400', async () => {
    await withMock({}, async (mock) => {
      const bad = await fetch(`${mock.url}/_mock/config`, { method: 'PUT', body: JSON.stringify({ errorRate: 3 }) });
      expect(bad.status).toBe(400);
      expect((await bad.json()) as unknown).toMatchObject({ error: { issues: [expect.stringContaining('errorRate')] } });
      const good = await fetch(`${mock.url}/_mock/config`, { method: 'PUT', body: JSON.stringify({ models: { 'gpt-4o': { reply: 'configured' } } }) });
      expect(good.status).toBe(200);
      expect(await (await fetch(`${mock.url}/_mock/config`)).json()).toEqual({ models: { 'gpt-4o': { reply: 'configured' } } });
      const answer = (await (await post(mock, '/v1/chat/completions', chatBody())).json()) as { choices: { message: { content: string } }[] };
      expect(answer.choices[0]?.message.content).toBe('configured');
    });
  });

  it('records requests with model, credentials and body, and clears them on DELETE', async () => {
    await withMock({}, async (mock) => {
      await fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', body: chatBody(), headers: { authorization: 'Bearer sk-abc' } });
      const recorded = (await (await fetch(`${mock.url}/_mock/requests`)).json()) as unknown[];
      expect(recorded).toEqual([
        { method: 'POST', path: '/v1/chat/completions', model: 'gpt-4o', headers: { authorization: 'Bearer sk-abc' }, body: JSON.parse(chatBody()), at: expect.any(String) },
      ]);
      expect((await fetch(`${mock.url}/_mock/requests`, { method: 'DELETE' })).status).toBe(204);
      expect(mock.requests()).toEqual([]);
    });
  });

  it('waits ttftMs before answering and paces a stream at tokensPerSecond', async () => {
    await withMock({ models: { 'gpt-4o': { ttftMs: 80, tokensPerSecond: 200 } } }, async (mock) => {
      const started = performance.now();
      const response = await post(mock, '/v1/chat/completions', chatBody({ stream: true }));
      const firstByte = performance.now() - started;
      const text = await response.text();
      const total = performance.now() - started;
      const tokens = text
        .split('\n\n')
        .filter((l) => l.startsWith('data: {'))
        .map((l) => JSON.parse(l.slice(6)) as { choices: { delta: { content?: string } }[] })
        .map((c) => c.choices[0]?.delta.content ?? '')
        .reduce((sum, piece) => sum + (piece ? Math.ceil(piece.length / 4) : 0), 0);
      expect(firstByte).toBeGreaterThanOrEqual(75);
      // 200 tokens/s = 5 ms a token; allow generous slack for a loaded CI machine.
      expect(total - firstByte).toBeGreaterThanOrEqual(tokens * 5 * 0.8);
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    });
  });

  it('hangs a request without answering until the client aborts, and still closes promptly', async () => {
    await withMock({ models: { slow: { hang: true } } }, async (mock) => {
      const aborter = new AbortController();
      const pending = post(mock, '/v1/chat/completions', JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: 'hi' }] }), aborter.signal);
      const outcome = await Promise.race([pending.then(() => 'answered', () => 'failed'), new Promise((r) => setTimeout(r, 100, 'still waiting'))]);
      expect(outcome).toBe('still waiting');
      aborter.abort();
      await expect(pending).rejects.toThrow();
      expect((await post(mock, '/v1/chat/completions', chatBody())).status).toBe(200);
    });
  });

  it('closes while a request hangs or waits on a long ttft', async () => {
    const mock = await startMockProvider({ config: { models: { slow: { hang: true }, late: { ttftMs: 60_000 } } } });
    const hung = post(mock, '/v1/chat/completions', JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: 'hi' }] })).catch(() => 'dropped');
    const late = post(mock, '/v1/chat/completions', JSON.stringify({ model: 'late', messages: [{ role: 'user', content: 'hi' }] })).catch(() => 'dropped');
    await new Promise((r) => setTimeout(r, 50));
    await mock.close();
    expect(await Promise.all([hung, late])).toEqual(['dropped', 'dropped']);
  });

  it('fails an evenly spread share of requests with errorRate', async () => {
    await withMock({ errorRate: 0.5, errorStatus: 502 }, async (mock) => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await post(mock, '/v1/chat/completions', chatBody())).status);
      expect(statuses).toEqual([200, 502, 200, 502]);
    });
  });

  it('counts tool definitions into prompt tokens', async () => {
    await withMock({}, async (mock) => {
      type Usage = { usage: { prompt_tokens: number } };
      const bare = (await (await post(mock, '/v1/chat/completions', chatBody())).json()) as Usage;
      const tools = [{ type: 'function', function: { name: 'lookup', description: 'Looks things up in a large catalogue', parameters: { type: 'object' } } }];
      const withTools = (await (await post(mock, '/v1/chat/completions', chatBody({ tools, tool_choice: 'none' }))).json()) as Usage;
      expect(withTools.usage.prompt_tokens).toBeGreaterThan(bare.usage.prompt_tokens + 10);
    });
  });
});
