import { AnthropicRequestInvalid, AnthropicStreamEncoder, anthropicErrorEnvelope, anthropicResponseFromOpenAI, openAIRequestFromAnthropic } from './ingress-translation';

describe('Anthropic ingress translation', () => {
  it('turns an Anthropic request with tools, tool results and images into the OpenAI body', () => {
    const body = openAIRequestFromAnthropic({
      model: 'claude-sonnet-4-6',
      max_tokens: 300,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' }, { type: 'text', text: 'Thanks' }] },
      ],
      tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      stop_sequences: ['END'],
      temperature: 0.5,
      metadata: { user_id: 'u1' },
      stream: true,
    });
    expect(body).toEqual({
      model: 'claude-sonnet-4-6',
      max_tokens: 300,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Weather?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18C' },
        { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      stop: ['END'],
      temperature: 0.5,
      user: 'u1',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('rejects a request without max_tokens with a message naming the field', () => {
    expect(() => openAIRequestFromAnthropic({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).toThrow(new AnthropicRequestInvalid('max_tokens: Field required', 'max_tokens'));
    expect(() => openAIRequestFromAnthropic({ model: 'm', max_tokens: 5, messages: [] })).toThrow(/messages: Field required/);
    expect(() => openAIRequestFromAnthropic({ model: 'm', max_tokens: 5, messages: [{ role: 'system', content: 'x' }] })).toThrow(/messages\.0\.role/);
  });

  it('answers with an Anthropic message whose input_tokens exclude cached tokens', () => {
    const message = anthropicResponseFromOpenAI(
      {
        id: 'chatcmpl-abc',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Sure.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] }, finish_reason: 'tool_calls' }],
        usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 60 } },
      },
      'claude-sonnet-4-6',
    );
    expect(message).toEqual({
      id: 'msg_abc',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-6',
      content: [{ type: 'text', text: 'Sure.' }, { type: 'tool_use', id: 'call_1', name: 'f', input: { a: 1 } }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 40, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 60 },
    });
  });

  it('encodes OpenAI chunks as the Anthropic event sequence, with usage in message_delta', () => {
    const encoder = new AnthropicStreamEncoder('claude-haiku-4-5');
    const chunk = (delta: object, finish_reason: string | null = null) => ({ id: 'chatcmpl-1', choices: [{ index: 0, delta, finish_reason }] });
    const frames = [
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Hel' }),
      chunk({ content: 'lo' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] }),
      chunk({}, 'tool_calls'),
      { id: 'chatcmpl-1', choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } },
    ].flatMap((c) => encoder.push(c));
    frames.push(...encoder.finish());
    const events = frames.map((f) => {
      const [eventLine, dataLine] = f.split('\n');
      return { event: eventLine?.slice(7), data: JSON.parse(dataLine?.slice(6) ?? '{}') as Record<string, unknown> };
    });
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0]?.data).toMatchObject({ type: 'message_start', message: { id: 'msg_1', model: 'claude-haiku-4-5', role: 'assistant', content: [] } });
    expect(events[5]?.data).toEqual({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_1', name: 'f', input: {} } });
    expect(events[6]?.data).toEqual({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":1}' } });
    expect(events[8]?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 9, output_tokens: 4, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    expect(frames.every((f) => f.endsWith('\n\n'))).toBe(true);
  });

  it('names the Anthropic error type for each status', () => {
    const types = [400, 401, 403, 404, 413, 429, 500, 529, 503, 422].map((s) => anthropicErrorEnvelope(s, 'm').error.type);
    expect(types).toEqual([
      'invalid_request_error',
      'authentication_error',
      'permission_error',
      'not_found_error',
      'request_too_large',
      'rate_limit_error',
      'api_error',
      'overloaded_error',
      'api_error',
      'invalid_request_error',
    ]);
    expect(anthropicErrorEnvelope(429, 'slow down')).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
  });
});
