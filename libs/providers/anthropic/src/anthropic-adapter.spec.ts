import { ProviderHttpError, ProviderUnreachable, type OpenAIChatBody, type ProviderStreamEvent, type ProviderTarget } from '@assay/providers-spec';
import { AnthropicAdapter } from './anthropic-adapter';
import { fixture, fixtureText } from './fixtures';
import { type CannedResponse, type RecordingServer, startRecordingServer } from '@assay/testing';

const target = (url: string, extra: Partial<ProviderTarget> = {}): ProviderTarget => ({
  provider: 'anthropic',
  kind: 'anthropic',
  baseUrl: url,
  apiKey: 'sk-ant-test',
  upstreamModel: 'claude-sonnet-4-6-20260101',
  timeoutMs: 5000,
  ...extra,
});

async function withServer(respond: () => CannedResponse, run: (server: RecordingServer) => Promise<void>): Promise<void> {
  const server = await startRecordingServer(respond);
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

async function collect(events: AsyncIterable<ProviderStreamEvent>): Promise<ProviderStreamEvent[]> {
  const out: ProviderStreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe('AnthropicAdapter over HTTP', () => {
  const adapter = new AnthropicAdapter();

  it('posts the translated body to /v1/messages with x-api-key and anthropic-version, and returns the OpenAI completion', async () => {
    await withServer(
      () => ({ body: fixtureText('tool-use.anthropic-response.json') }),
      async (server) => {
        const body = fixture<OpenAIChatBody>('tools-conversation.openai-request.json');
        const result = await adapter.chat(body, target(server.url, { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } }), new AbortController().signal);
        const call = server.calls[0];
        expect(call?.method).toBe('POST');
        expect(call?.url).toBe('/v1/messages');
        expect(call?.headers).toMatchObject({ 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'prompt-caching-2024-07-31' });
        expect(call?.body).toEqual(fixture('tools-conversation.anthropic-request.json'));
        expect(result.completion).toEqual({ ...fixture('tool-use.openai-completion.json'), created: expect.any(Number) });
        expect(result.usage?.cachedTokens).toBe(1000);
      },
    );
  });

  it('streams OpenAI chunks from an SSE body split across many writes', async () => {
    await withServer(
      () => ({ headers: { 'content-type': 'text/event-stream' }, body: fixtureText('tool-use.stream.sse') }),
      async (server) => {
        const events = await collect(adapter.chatStream({ model: 'x', messages: [{ role: 'user', content: 'Weather?' }] }, target(server.url), new AbortController().signal));
        expect((server.calls[0]?.body as { stream?: boolean }).stream).toBe(true);
        const expected = fixture<ProviderStreamEvent[]>('tool-use.openai-events.json');
        expect(events.map((e) => ({ ...e, chunk: { ...e.chunk, created: 0 } }))).toEqual(expected.map((e) => ({ ...e, chunk: { ...e.chunk, created: 0 } })));
      },
    );
  });

  it('turns a 429 error envelope into a ProviderHttpError with the Retry-After seconds', async () => {
    await withServer(
      () => ({ status: 429, headers: { 'retry-after': '17' }, body: fixtureText('rate-limited.anthropic-error.json') }),
      async (server) => {
        const error = await adapter.chat({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] }, target(server.url), new AbortController().signal).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ProviderHttpError);
        expect(error).toMatchObject({ status: 429, retryAfterSeconds: 17, message: expect.stringContaining('rate_limit_error') });
      },
    );
  });

  it('keeps 529 overloaded as its own status so the retry policy treats it as a server failure', async () => {
    await withServer(
      () => ({ status: 529, body: fixtureText('overloaded.anthropic-error.json') }),
      async (server) => {
        await expect(adapter.chat({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] }, target(server.url), new AbortController().signal)).rejects.toMatchObject({
          status: 529,
          message: expect.stringContaining('overloaded_error'),
        });
      },
    );
  });

  it('reports an unreachable provider as ProviderUnreachable and rethrows a caller abort as is', async () => {
    const unreachable = await adapter.chat({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] }, target('http://127.0.0.1:1'), new AbortController().signal).catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(ProviderUnreachable);
    const controller = new AbortController();
    controller.abort(new Error('client went away'));
    await expect(adapter.chat({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] }, target('http://127.0.0.1:1'), controller.signal)).rejects.toThrow('client went away');
  });
});
