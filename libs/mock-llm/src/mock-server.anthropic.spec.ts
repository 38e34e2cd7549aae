import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { type MockConfig, type MockProvider, startMockProvider } from './index';

async function withMock(config: MockConfig, run: (mock: MockProvider, client: Anthropic) => Promise<void>): Promise<void> {
  const mock = await startMockProvider({ port: 0, config });
  try {
    await run(mock, new Anthropic({ baseURL: mock.url, apiKey: 'sk-ant-test', maxRetries: 0 }));
  } finally {
    await mock.close();
  }
}

const hello = [{ role: 'user' as const, content: 'Say hello' }];

describe('mock provider over the Anthropic client', () => {
  it('answers a message with a text block, end_turn and usage', async () => {
    await withMock({}, async (_mock, client) => {
      const message = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 256, system: [{ type: 'text', text: 'Be brief.' }], messages: hello });
      expect(message).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-haiku-4-5', stop_reason: 'end_turn', stop_sequence: null });
      expect(message.id).toMatch(/^msg_/);
      const block = message.content[0];
      expect(block?.type === 'text' && block.text.length).toBeGreaterThan(10);
      expect(message.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
      const again = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 256, system: 'Be brief.', messages: hello });
      expect(again.content).toEqual(message.content);
    });
  });

  it('stops at max_tokens with stop_reason "max_tokens"', async () => {
    await withMock({}, async (_mock, client) => {
      const message = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 2, messages: hello });
      expect(message.stop_reason).toBe('max_tokens');
      expect(message.usage.output_tokens).toBe(2);
    });
  });

  it('streams the documented event sequence and the SDK assembles the same message', async () => {
    await withMock({}, async (_mock, client) => {
      const plain = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: hello });
      const stream = client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: hello });
      const types: string[] = [];
      stream.on('streamEvent', (event) => types.push(event.type));
      const final = await stream.finalMessage();
      expect(final.content).toEqual(plain.content);
      expect(final.stop_reason).toBe('end_turn');
      expect(final.usage.output_tokens).toBe(plain.usage.output_tokens);
      expect(types.slice(0, 2)).toEqual(['message_start', 'content_block_start']);
      expect(types.filter((t) => t === 'content_block_delta').length).toBeGreaterThan(3);
      expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    });
  });

  it('uses a tool with input valid against its input_schema, streamed as input_json_delta', async () => {
    const input = z.object({ city: z.string(), days: z.int().min(1).max(3) });
    await withMock({}, async (_mock, client) => {
      const tools = [{ name: 'get_forecast', input_schema: z.toJSONSchema(input) as Anthropic.Tool.InputSchema }];
      const message = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: hello, tools });
      const block = message.content[0];
      expect(message.stop_reason).toBe('tool_use');
      expect(block?.type === 'tool_use' && block.id).toMatch(/^toolu_/);
      expect(input.safeParse(block?.type === 'tool_use' ? block.input : undefined).success).toBe(true);

      const streamed = await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: hello, tools }).finalMessage();
      const streamedBlock = streamed.content[0];
      expect(streamedBlock?.type === 'tool_use' && streamedBlock.input).toEqual(block?.type === 'tool_use' && block.input);
    });
  });

  it('rejects a request without max_tokens with a 400 invalid_request_error envelope', async () => {
    await withMock({}, async (mock) => {
      const response = await fetch(`${mock.url}/v1/messages`, { method: 'POST', body: JSON.stringify({ model: 'claude-haiku-4-5', messages: hello }) });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } });
    });
  });

  it('maps injected failures to Anthropic error types the SDK understands', async () => {
    await withMock({ models: { 'claude-haiku-4-5': { failFirst: 1, errorStatus: 529 } }, requireApiKey: 'sk-ant-test' }, async (mock, client) => {
      const overloaded = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 16, messages: hello }).catch((e: unknown) => e);
      expect(overloaded).toBeInstanceOf(Anthropic.APIError);
      expect((overloaded as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
      const stranger = new Anthropic({ baseURL: mock.url, apiKey: 'sk-ant-wrong', maxRetries: 0 });
      await expect(stranger.messages.create({ model: 'claude-haiku-4-5', max_tokens: 16, messages: hello })).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
      const sent = mock.requests().at(-1)?.headers;
      expect(sent?.['x-api-key'] ?? sent?.authorization).toContain('sk-ant-wrong');
    });
  });
});
