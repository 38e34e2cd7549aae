import { ProviderHttpError, type ProviderStreamEvent, type ProviderTarget } from '@assay/providers-spec';
import { AzureOpenAIAdapter, azureOpenAIRoute } from './azure-openai-adapter';
import { fixture, fixtureText } from './fixtures';
import { type CannedResponse, type RecordingServer, startRecordingServer } from '@assay/testing';

const target = (url: string, extra: Partial<ProviderTarget> = {}): ProviderTarget => ({
  provider: 'azure-eastus',
  kind: 'azure-openai',
  baseUrl: url,
  apiKey: 'azure-key',
  upstreamModel: 'gpt-4o-prod',
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

const hello = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] };
const signal = () => new AbortController().signal;

describe('Azure OpenAI routes', () => {
  it('addresses the deployment with api-version when one is configured, else the version-less /openai/v1 API', () => {
    const dated = azureOpenAIRoute(target('https://res.openai.azure.com/', { apiVersion: '2024-10-21' }), 'chat/completions');
    expect(dated).toEqual({ url: 'https://res.openai.azure.com/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21', headers: { 'api-key': 'azure-key' } });
    expect(azureOpenAIRoute(target('https://res.openai.azure.com/openai/v1'), 'embeddings').url).toBe('https://res.openai.azure.com/openai/v1/embeddings');
  });
});

describe('AzureOpenAIAdapter over HTTP', () => {
  const adapter = new AzureOpenAIAdapter();

  it('sends the OpenAI body with the deployment as model and the api-key header, and returns the completion as is', async () => {
    await withServer(
      () => ({ body: fixtureText('chat.openai-completion.json') }),
      async (server) => {
        const result = await adapter.chat(hello, target(server.url, { apiVersion: '2024-10-21' }), signal());
        const call = server.calls[0];
        expect(call?.url).toBe('/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21');
        expect(call?.headers['api-key']).toBe('azure-key');
        expect(call?.headers.authorization).toBeUndefined();
        expect(call?.body).toEqual({ ...hello, model: 'gpt-4o-prod', stream: false });
        expect(result.completion).toEqual(fixture('chat.openai-completion.json'));
        expect(result.usage).toMatchObject({ promptTokens: 8, completionTokens: 2 });
      },
    );
  });

  it('streams chunks and the usage event from the /openai/v1 API, passing the prompt filter chunk through', async () => {
    await withServer(
      () => ({ headers: { 'content-type': 'text/event-stream' }, body: fixtureText('chat.stream.sse') }),
      async (server) => {
        const events: ProviderStreamEvent[] = [];
        for await (const e of adapter.chatStream({ ...hello, stream: true }, target(server.url), signal())) events.push(e);
        expect(server.calls[0]?.url).toBe('/openai/v1/chat/completions');
        expect(server.calls[0]?.body).toMatchObject({ model: 'gpt-4o-prod', stream: true, stream_options: { include_usage: true } });
        expect(events.map((e) => e.type)).toEqual(['chunk', 'chunk', 'chunk', 'chunk', 'usage']);
        expect(events[4]).toMatchObject({ type: 'usage', usage: { promptTokens: 8, completionTokens: 2, totalTokens: 10 } });
      },
    );
  });

  it('posts embeddings to the deployment embeddings path', async () => {
    await withServer(
      () => ({ body: fixtureText('embeddings.openai-response.json') }),
      async (server) => {
        const result = await adapter.embeddings({ model: 'te3', input: 'hi' }, target(server.url, { apiVersion: '2024-10-21', upstreamModel: 'embed-prod' }), signal());
        expect(server.calls[0]?.url).toBe('/openai/deployments/embed-prod/embeddings?api-version=2024-10-21');
        expect(result.response).toEqual(fixture('embeddings.openai-response.json'));
        expect(result.usage).toMatchObject({ promptTokens: 1 });
      },
    );
  });

  it('reports a 429 as ProviderHttpError with the Retry-After seconds', async () => {
    await withServer(
      () => ({ status: 429, headers: { 'retry-after': '6' }, body: fixtureText('rate-limited.openai-error.json') }),
      async (server) => {
        const error = await adapter.chat(hello, target(server.url, { apiVersion: '2024-10-21' }), signal()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ProviderHttpError);
        expect(error).toMatchObject({ status: 429, retryAfterSeconds: 6 });
      },
    );
  });
});
