import { ProviderHttpError, type OpenAIChatBody } from '@assay/providers-spec';
import { AnthropicStreamTranslator } from './anthropic-stream';
import { fixture, sseFixtureEvents } from './fixtures';
import { anthropicRequestFromOpenAI } from './translate-request';
import { openAICompletionFromAnthropic } from './translate-response';

const CREATED = 1767225600;

describe('Anthropic request translation', () => {
  it('moves system and developer messages to system, tool calls to tool_use and consecutive tool results into one user turn', () => {
    const plan = anthropicRequestFromOpenAI(fixture<OpenAIChatBody>('tools-conversation.openai-request.json'), 'claude-sonnet-4-6-20260101', false);
    expect(plan.request).toEqual(fixture('tools-conversation.anthropic-request.json'));
    expect(plan.structuredOutputTool).toBeUndefined();
  });

  it('asks for a json_schema answer through a forced tool whose input_schema is the schema', () => {
    const plan = anthropicRequestFromOpenAI(fixture<OpenAIChatBody>('structured-output.openai-request.json'), 'claude-haiku-4-5', true);
    expect(plan.request).toEqual(fixture('structured-output.anthropic-request.json'));
    expect(plan.structuredOutputTool).toBe('person');
  });

  it('sends a single system message as a plain string and defaults max_tokens to 4096', () => {
    const plan = anthropicRequestFromOpenAI({ model: 'm', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] }, 'claude-haiku-4-5', false);
    expect(plan.request).toEqual({ model: 'claude-haiku-4-5', max_tokens: 4096, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('maps each OpenAI tool_choice to its Anthropic counterpart', () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    const choiceFor = (tool_choice: unknown) => anthropicRequestFromOpenAI({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools, tool_choice }, 'm', false).request.tool_choice;
    expect(choiceFor('auto')).toEqual({ type: 'auto' });
    expect(choiceFor('none')).toEqual({ type: 'none' });
    expect(choiceFor('required')).toEqual({ type: 'any' });
    expect(choiceFor({ type: 'function', function: { name: 'f' } })).toEqual({ type: 'tool', name: 'f' });
    expect(choiceFor(undefined)).toBeUndefined();
  });

  it('rejects what Anthropic cannot express with a 400 naming the field', () => {
    const reject = (body: Partial<OpenAIChatBody>) => () => anthropicRequestFromOpenAI({ model: 'm', messages: [{ role: 'user', content: 'x' }], ...body } as OpenAIChatBody, 'm', false);
    expect(reject({ n: 2 })).toThrow(ProviderHttpError);
    expect(reject({ n: 2 })).toThrow(/n > 1/);
    expect(reject({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }] })).toThrow(/input_audio/);
    expect(reject({ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{oops' } }] }] })).toThrow(/not valid JSON/);
  });
});

describe('Anthropic response translation', () => {
  it('joins text blocks, turns tool_use into tool_calls and counts cache reads and writes in prompt_tokens', () => {
    const { completion, usage } = openAICompletionFromAnthropic(fixture('tool-use.anthropic-response.json'), { created: CREATED });
    expect(completion).toEqual(fixture('tool-use.openai-completion.json'));
    expect(usage).toEqual({ promptTokens: 1250, completionTokens: 75, totalTokens: 1325, cachedTokens: 1000, reasoningTokens: 0 });
  });

  it('returns the forced structured-output tool input as the message content with finish_reason stop', () => {
    const { completion } = openAICompletionFromAnthropic(fixture('structured-output.anthropic-response.json'), { created: CREATED, structuredOutputTool: 'person' });
    expect(completion).toEqual(fixture('structured-output.openai-completion.json'));
  });

  it('maps stop reasons to OpenAI finish reasons', () => {
    const finish = (stop_reason: string) =>
      (openAICompletionFromAnthropic({ content: [{ type: 'text', text: 'x' }], stop_reason, usage: {} }).completion.choices as { finish_reason: string }[])[0]?.finish_reason;
    expect(finish('end_turn')).toBe('stop');
    expect(finish('stop_sequence')).toBe('stop');
    expect(finish('max_tokens')).toBe('length');
    expect(finish('refusal')).toBe('content_filter');
  });
});

describe('Anthropic stream translation', () => {
  it('turns the documented event sequence into OpenAI chunks with tool call deltas, then one usage event', () => {
    const translator = new AnthropicStreamTranslator('anthropic', { created: CREATED });
    const events = sseFixtureEvents('tool-use.stream.sse').flatMap((event) => translator.push(event));
    expect(events).toEqual(fixture('tool-use.openai-events.json'));
  });

  it('streams the structured-output tool input as content deltas', () => {
    const translator = new AnthropicStreamTranslator('anthropic', { created: CREATED, structuredOutputTool: 'person' });
    const events = [
      { type: 'message_start', message: { id: 'msg_1', model: 'm', usage: { input_tokens: 5, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'person', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"name":' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '"Ada"}' } },
      { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } },
    ].flatMap((e) => translator.push(e));
    const deltas = events.map((e) => (e.chunk.choices as { delta: unknown; finish_reason: unknown }[])[0]);
    expect(deltas.map((d) => d?.delta)).toEqual([{ role: 'assistant', content: '' }, { content: '{"name":' }, { content: '"Ada"}' }, {}]);
    expect(deltas[3]?.finish_reason).toBe('stop');
  });

  it('throws a 529 ProviderHttpError for an overloaded_error event inside the stream', () => {
    const translator = new AnthropicStreamTranslator('anthropic');
    const [start, error] = sseFixtureEvents('stream-overloaded.sse');
    translator.push(start as Record<string, unknown>);
    expect(() => translator.push(error as Record<string, unknown>)).toThrow(expect.objectContaining({ status: 529 }));
  });
});
