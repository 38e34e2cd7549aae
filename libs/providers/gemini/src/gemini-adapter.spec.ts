import { ProviderHttpError, ProviderUnreachable, type OpenAIChatBody, type ProviderStreamEvent, type ProviderTarget } from '@assay/providers-spec';
import { fixture, fixtureText } from './fixtures';
import { GeminiAdapter } from './gemini-adapter';
import { type CannedResponse, type RecordingServer, startRecordingServer } from '@assay/testing';

const target = (url: string, extra: Partial<ProviderTarget> = {}): ProviderTarget => ({
  provider: 'gemini',
  kind: 'gemini',
  baseUrl: url,
  apiKey: 'AIza-test',
  upstreamModel: 'gemini-2.5-flash',
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

const signal = () => new AbortController().signal;

describe('GeminiAdapter over HTTP', () => {
  const adapter = new GeminiAdapter();

  it('posts the translated body to :generateContent with x-goog-api-key and returns the OpenAI completion', async () => {
    await withServer(
      () => ({ body: fixtureText('function-call.gemini-response.json') }),
      async (server) => {
        const result = await adapter.chat(fixture<OpenAIChatBody>('tools-conversation.openai-request.json'), target(server.url, { upstreamModel: 'models/gemini-2.5-flash' }), signal());
        const call = server.calls[0];
        expect(call?.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
        expect(call?.headers['x-goog-api-key']).toBe('AIza-test');
        expect(call?.body).toEqual(fixture('tools-conversation.gemini-request.json'));
        const expected = fixture<{ choices: { message: { tool_calls: { id: string }[] } }[] }>('function-call.openai-completion.json');
        const toolCallId = (result.completion.choices as typeof expected.choices)[0]?.message.tool_calls[0]?.id;
        expect(toolCallId).toMatch(/^call_/);
        (expected.choices[0]?.message.tool_calls[0] as { id: string }).id = toolCallId as string;
        expect(result.completion).toEqual({ ...expected, created: expect.any(Number) });
        expect(result.usage).toMatchObject({ cachedTokens: 64, reasoningTokens: 40 });
      },
    );
  });

  it('streams from :streamGenerateContent?alt=sse with CRLF-framed events split across writes', async () => {
    await withServer(
      () => ({ headers: { 'content-type': 'text/event-stream' }, body: fixtureText('text.stream.sse') }),
      async (server) => {
        const events = await collect(adapter.chatStream({ model: 'x', messages: [{ role: 'user', content: 'Weather?' }] }, target(server.url), signal()));
        expect(server.calls[0]?.url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
        const withoutCreated = (list: ProviderStreamEvent[]) => list.map((e) => ({ ...e, chunk: { ...e.chunk, created: 0 } }));
        expect(withoutCreated(events)).toEqual(withoutCreated(fixture<ProviderStreamEvent[]>('text.openai-events.json')));
      },
    );
  });

  it('embeds a batch through :batchEmbedContents and answers in the OpenAI embeddings shape', async () => {
    await withServer(
      () => ({ body: fixtureText('embeddings.gemini-response.json') }),
      async (server) => {
        const result = await adapter.embeddings({ model: 'x', input: ['hello', 'world'], dimensions: 3 }, target(server.url, { upstreamModel: 'gemini-embedding-001' }), signal());
        expect(server.calls[0]?.url).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
        expect(server.calls[0]?.body).toEqual(fixture('embeddings.gemini-request.json'));
        expect(result.response).toEqual({
          object: 'list',
          data: [
            { object: 'embedding', index: 0, embedding: [0.25, -0.5, 0.125] },
            { object: 'embedding', index: 1, embedding: [1, 0, -1] },
          ],
          model: 'gemini-embedding-001',
          usage: { prompt_tokens: 0, total_tokens: 0 },
        });
        expect(result.usage).toBeNull();
      },
    );
  });

  it('takes the retry delay of a 429 from the RetryInfo detail when there is no Retry-After header', async () => {
    await withServer(
      () => ({ status: 429, body: fixtureText('rate-limited.gemini-error.json') }),
      async (server) => {
        const error = await adapter.chat({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] }, target(server.url), signal()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ProviderHttpError);
        expect(error).toMatchObject({ status: 429, retryAfterSeconds: 37, message: expect.stringContaining('RESOURCE_EXHAUSTED') });
      },
    );
  });

  it('reports an unreachable provider as ProviderUnreachable and rethrows a caller abort as is', async () => {
    await expect(adapter.chat({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] }, target('http://127.0.0.1:1'), signal())).rejects.toBeInstanceOf(ProviderUnreachable);
    const controller = new AbortController();
    controller.abort(new Error('client went away'));
    await expect(adapter.chat({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] }, target('http://127.0.0.1:1'), controller.signal)).rejects.toThrow('client went away');
  });
});
