import { ProviderHttpError, type OpenAIChatBody } from '@assay/providers-spec';
import { fixture, sseFixtureEvents } from './fixtures';
import { GeminiStreamTranslator } from './gemini-stream';
import { geminiRequestFromOpenAI } from './translate-request';
import { openAICompletionFromGemini } from './translate-response';

const CREATED = 1767225600;
const sequentialIds = () => {
  let n = 0;
  return (prefix: string) => `${prefix}${++n}`;
};

describe('Gemini request translation', () => {
  it('builds contents, systemInstruction, functionDeclarations, toolConfig and generationConfig from an OpenAI body', () => {
    expect(geminiRequestFromOpenAI(fixture<OpenAIChatBody>('tools-conversation.openai-request.json'))).toEqual(fixture('tools-conversation.gemini-request.json'));
  });

  it('maps tool_choice to functionCallingConfig modes and json_object to a JSON mime type', () => {
    const tools = [{ type: 'function', function: { name: 'f' } }];
    const configFor = (tool_choice: unknown) => geminiRequestFromOpenAI({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools, tool_choice }).toolConfig;
    expect(configFor('auto')).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(configFor('none')).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(configFor('required')).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    const jsonMode = geminiRequestFromOpenAI({ model: 'm', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } });
    expect(jsonMode.generationConfig).toEqual({ responseMimeType: 'application/json' });
  });

  it('rejects a tool message whose call id no earlier assistant message made', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'nope', content: '1' }] };
    expect(() => geminiRequestFromOpenAI(body)).toThrow(ProviderHttpError);
    expect(() => geminiRequestFromOpenAI(body)).toThrow(/nope/);
  });
});

describe('Gemini response translation', () => {
  it('drops thought parts, turns functionCall into tool_calls and reports cached and thinking tokens', () => {
    const { completion, usage } = openAICompletionFromGemini(fixture('function-call.gemini-response.json'), { created: CREATED, newId: sequentialIds() });
    expect(completion).toEqual(fixture('function-call.openai-completion.json'));
    expect(usage).toEqual({ promptTokens: 120, completionTokens: 55, totalTokens: 175, cachedTokens: 64, reasoningTokens: 40 });
  });

  it('maps finish reasons: SAFETY and RECITATION to content_filter, MAX_TOKENS to length, and a blocked prompt to content_filter', () => {
    const finish = (finishReason: string) =>
      (openAICompletionFromGemini({ candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason }] }).completion.choices as { finish_reason: string }[])[0]?.finish_reason;
    expect(finish('STOP')).toBe('stop');
    expect(finish('MAX_TOKENS')).toBe('length');
    expect(finish('SAFETY')).toBe('content_filter');
    expect(finish('RECITATION')).toBe('content_filter');
    const blocked = openAICompletionFromGemini({ promptFeedback: { blockReason: 'SAFETY' } }).completion.choices as { finish_reason: string }[];
    expect(blocked[0]?.finish_reason).toBe('content_filter');
  });
});

describe('Gemini stream translation', () => {
  it('turns partial responses into OpenAI chunks and reports the last cumulative usage once at the end', () => {
    const translator = new GeminiStreamTranslator('gemini', { created: CREATED });
    const events = sseFixtureEvents('text.stream.sse').flatMap((e) => translator.push(e));
    events.push(...translator.end());
    expect(events).toEqual(fixture('text.openai-events.json'));
  });

  it('emits a streamed function call whole, with finish_reason tool_calls', () => {
    const translator = new GeminiStreamTranslator('gemini', { created: CREATED, newId: sequentialIds() });
    const events = translator.push({ responseId: 'r', candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'f', args: { a: 1 } } }] }, finishReason: 'STOP', index: 0 }] });
    expect(events.map((e) => (e.chunk.choices as object[])[0])).toEqual([
      { index: 0, delta: { role: 'assistant', content: '', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] }, logprobs: null, finish_reason: null },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' },
    ]);
  });
});
