// The same end-to-end checks for every provider adapter, run against the fake provider speaking
// that adapter's wire: the adapter's request must be one the provider accepts, and its answer must
// come back as OpenAI objects.
import { type MockProvider, startMockProvider } from '@assay/mock-llm';
import { ProviderHttpError, type OpenAIChatBody, type ProviderAdapter, type ProviderKind, type ProviderStreamEvent, type ProviderTarget } from '@assay/providers-spec';

export function adapterAgainstMockProvider(
  name: string,
  adapter: ProviderAdapter,
  kind: ProviderKind,
  model: string,
  extra: Partial<ProviderTarget> = {},
): void {
  describe(`${name} against the mock provider`, () => {
    let mock: MockProvider;
    beforeEach(async () => (mock = await startMockProvider({ port: 0 })));
    afterEach(() => mock.close());

    const target = (): ProviderTarget => ({ provider: `mock-${kind}`, kind, baseUrl: mock.url, apiKey: 'k-test', upstreamModel: model, timeoutMs: 5000, ...extra });
    const ask = (more: Partial<OpenAIChatBody> = {}): OpenAIChatBody => ({ model: 'client-model', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }], ...more });
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];

    it('answers a chat request with an OpenAI completion and usage', async () => {
      const { completion, usage } = await adapter.chat(ask(), target(), new AbortController().signal);
      expect(completion).toMatchObject({ object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: expect.any(String) }, finish_reason: 'stop' }] });
      expect(usage).toMatchObject({ promptTokens: expect.any(Number), completionTokens: expect.any(Number) });
      expect(usage?.promptTokens).toBeGreaterThan(0);
    });

    it('streams chunks whose text equals the non-streamed answer, then one usage event', async () => {
      const { completion } = await adapter.chat(ask(), target(), new AbortController().signal);
      const events: ProviderStreamEvent[] = [];
      for await (const e of adapter.chatStream(ask({ stream: true }), target(), new AbortController().signal)) events.push(e);
      const text = events
        .filter((e) => e.type === 'chunk')
        .map((e) => ((e.chunk.choices as { delta: { content?: string } }[])[0]?.delta.content ?? ''))
        .join('');
      expect(text).toBe((completion.choices as { message: { content: string } }[])[0]?.message.content);
      expect(events.filter((e) => e.type === 'usage')).toHaveLength(1);
      expect(events.at(-1)?.type).toBe('usage');
    });

    it('returns a tool call with JSON arguments valid for the tool schema', async () => {
      const { completion } = await adapter.chat(ask({ tools, tool_choice: 'required' }), target(), new AbortController().signal);
      const choice = (completion.choices as { message: { tool_calls: { id: string; function: { name: string; arguments: string } }[] }; finish_reason: string }[])[0];
      expect(choice?.finish_reason).toBe('tool_calls');
      expect(choice?.message.tool_calls[0]?.function.name).toBe('get_weather');
      expect(JSON.parse(choice?.message.tool_calls[0]?.function.arguments ?? '')).toEqual({ city: expect.any(String) });
    });

    it('reports a rate limit as ProviderHttpError 429 with the Retry-After seconds', async () => {
      mock.setConfig({ models: { [model]: { rateLimit: { everyNth: 1, retryAfterSeconds: 3 } } } });
      const error = await adapter.chat(ask(), target(), new AbortController().signal).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderHttpError);
      expect(error).toMatchObject({ status: 429, retryAfterSeconds: 3 });
    });
  });
}
