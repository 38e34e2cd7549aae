import { AssistantMessage, ChatCompletionBody } from './openai-chat-shapes';
import { JsonSchemaValidators, structuredOutputKind, validateStructuredOutput } from './structured-output';

const LABEL_SCHEMA = {
  type: 'object',
  properties: { label: { type: 'string', enum: ['billing', 'technical'] }, confidence: { type: 'number' } },
  required: ['label', 'confidence'],
  additionalProperties: false,
};

function jsonSchemaRequest(schema: Record<string, unknown> = LABEL_SCHEMA): ChatCompletionBody {
  return {
    messages: [{ role: 'user', content: 'Classify: I was charged twice' }],
    response_format: { type: 'json_schema', json_schema: { name: 'label', schema, strict: true } },
  };
}

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  },
};

function toolsRequest(toolChoice?: ChatCompletionBody['tool_choice']): ChatCompletionBody {
  return { messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [WEATHER_TOOL], tool_choice: toolChoice };
}

function answer(content: string | null): AssistantMessage {
  return { role: 'assistant', content };
}

function call(name: string, args: string): AssistantMessage {
  return { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name, arguments: args } }] };
}

describe('structuredOutputKind', () => {
  it('reads json_schema and json_object from response_format', () => {
    expect(structuredOutputKind(jsonSchemaRequest())).toBe('json_schema');
    expect(structuredOutputKind({ messages: [], response_format: { type: 'json_object' } })).toBe('json_object');
  });

  it('reports tools when functions are declared and tool_choice is not "none"', () => {
    expect(structuredOutputKind(toolsRequest())).toBe('tools');
    expect(structuredOutputKind(toolsRequest('none'))).toBeNull();
  });

  it('reports free text as null', () => {
    expect(structuredOutputKind({ messages: [{ role: 'user', content: 'hi' }] })).toBeNull();
    expect(structuredOutputKind({ messages: [], response_format: { type: 'text' } })).toBeNull();
  });
});

describe('validateStructuredOutput', () => {
  describe('json_schema', () => {
    it('accepts content that parses and matches the schema', () => {
      expect(validateStructuredOutput(jsonSchemaRequest(), answer('{"label":"billing","confidence":0.9}'))).toEqual({ valid: true });
    });

    it('rejects content that is not JSON', () => {
      expect(validateStructuredOutput(jsonSchemaRequest(), answer('label: billing'))).toEqual({
        valid: false,
        reason: 'the content is not JSON',
      });
    });

    it('rejects JSON wrapped in a markdown fence, which a client cannot parse', () => {
      expect(validateStructuredOutput(jsonSchemaRequest(), answer('```json\n{"label":"billing","confidence":1}\n```')).valid).toBe(false);
    });

    it('rejects JSON that breaks the schema and says where', () => {
      const result = validateStructuredOutput(jsonSchemaRequest(), answer('{"label":"refund","confidence":"high"}'));
      expect(result.valid).toBe(false);
      expect(!result.valid && result.reason).toMatch(/schema mismatch: content\//);
    });

    it('rejects a refusal and an empty answer', () => {
      const refusal = { role: 'assistant', content: null, refusal: 'I cannot help with that.' };
      expect(validateStructuredOutput(jsonSchemaRequest(), refusal)).toEqual({
        valid: false,
        reason: 'the model refused: I cannot help with that.',
      });
      expect(validateStructuredOutput(jsonSchemaRequest(), answer('')).valid).toBe(false);
    });

    it('accepts any JSON that parses when Ajv cannot compile the schema', () => {
      const uncompilable = { type: 'object', properties: { x: { $ref: 'https://schemas.example/x.json' } } };
      expect(validateStructuredOutput(jsonSchemaRequest(uncompilable), answer('{"x": 1}'))).toEqual({ valid: true });
      expect(validateStructuredOutput(jsonSchemaRequest(uncompilable), answer('not json')).valid).toBe(false);
    });

    it('validates schemas with $defs references and 2020-12 schemas', () => {
      const withDefs = {
        type: 'object',
        properties: { item: { $ref: '#/$defs/item' } },
        required: ['item'],
        $defs: { item: { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] } },
      };
      expect(validateStructuredOutput(jsonSchemaRequest(withDefs), answer('{"item":{"sku":"A1"}}')).valid).toBe(true);
      expect(validateStructuredOutput(jsonSchemaRequest(withDefs), answer('{"item":{}}')).valid).toBe(false);
      const draft2020 = { ...withDefs, $schema: 'https://json-schema.org/draft/2020-12/schema' };
      expect(validateStructuredOutput(jsonSchemaRequest(draft2020), answer('{"item":{}}')).valid).toBe(false);
    });

    it('ignores keywords and formats it does not check instead of failing the schema', () => {
      const annotated = { type: 'object', properties: { when: { type: 'string', format: 'date-time', 'x-ui': 'picker' } } };
      expect(validateStructuredOutput(jsonSchemaRequest(annotated), answer('{"when":"tomorrow"}'))).toEqual({ valid: true });
      expect(validateStructuredOutput(jsonSchemaRequest(annotated), answer('{"when":3}')).valid).toBe(false);
    });
  });

  describe('json_object', () => {
    const body: ChatCompletionBody = { messages: [], response_format: { type: 'json_object' } };

    it('accepts a JSON object', () => {
      expect(validateStructuredOutput(body, answer(' {"anything": [1, 2]} '))).toEqual({ valid: true });
    });

    it('rejects JSON that is not an object', () => {
      expect(validateStructuredOutput(body, answer('[1, 2]')).valid).toBe(false);
      expect(validateStructuredOutput(body, answer('"text"')).valid).toBe(false);
    });
  });

  describe('tools', () => {
    it('accepts a call of a declared tool with arguments matching its parameters', () => {
      expect(validateStructuredOutput(toolsRequest(), call('get_weather', '{"city":"Paris"}'))).toEqual({ valid: true });
    });

    it('rejects a call of an undeclared tool', () => {
      expect(validateStructuredOutput(toolsRequest(), call('send_email', '{}'))).toEqual({
        valid: false,
        reason: 'the answer calls an undeclared tool "send_email"',
      });
    });

    it('rejects arguments that do not parse or break the parameters schema', () => {
      expect(validateStructuredOutput(toolsRequest(), call('get_weather', '{city: Paris}')).valid).toBe(false);
      expect(validateStructuredOutput(toolsRequest(), call('get_weather', '{"town":"Paris"}')).valid).toBe(false);
      expect(validateStructuredOutput(toolsRequest(), call('get_weather', '["Paris"]')).valid).toBe(false);
    });

    it('checks every call of a parallel answer', () => {
      const parallel: AssistantMessage = {
        role: 'assistant',
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'b', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
        ],
      };
      expect(validateStructuredOutput(toolsRequest(), parallel).valid).toBe(false);
    });

    it('accepts a plain text answer when the tool is optional', () => {
      expect(validateStructuredOutput(toolsRequest(), answer('Which city do you mean?'))).toEqual({ valid: true });
      expect(validateStructuredOutput(toolsRequest('auto'), answer('Which city do you mean?'))).toEqual({ valid: true });
    });

    it('rejects a plain text answer when tool_choice is "required" or names a function', () => {
      expect(validateStructuredOutput(toolsRequest('required'), answer('It is sunny.')).valid).toBe(false);
      const named = toolsRequest({ type: 'function', function: { name: 'get_weather' } });
      expect(validateStructuredOutput(named, answer('It is sunny.')).valid).toBe(false);
    });

    it('rejects a call of another function than the one tool_choice names', () => {
      const body: ChatCompletionBody = {
        ...toolsRequest({ type: 'function', function: { name: 'get_weather' } }),
        tools: [WEATHER_TOOL, { type: 'function', function: { name: 'get_time' } }],
      };
      expect(validateStructuredOutput(body, call('get_time', '{}')).valid).toBe(false);
      expect(validateStructuredOutput(body, call('get_weather', '{"city":"Rome"}')).valid).toBe(true);
    });

    it('rejects tool calls when the request declared no tools or forbade them', () => {
      expect(validateStructuredOutput({ messages: [] }, call('get_weather', '{"city":"Paris"}')).valid).toBe(false);
      expect(validateStructuredOutput(toolsRequest('none'), call('get_weather', '{"city":"Paris"}')).valid).toBe(false);
    });

    it('checks a tool call by the tools even when a response format is set', () => {
      const body = { ...jsonSchemaRequest(), tools: [WEATHER_TOOL] };
      expect(validateStructuredOutput(body, call('get_weather', '{"city":"Paris"}'))).toEqual({ valid: true });
      expect(validateStructuredOutput(body, answer('{"label":"billing","confidence":1}'))).toEqual({ valid: true });
    });
  });

  it('accepts any answer to a free-text request', () => {
    expect(validateStructuredOutput({ messages: [{ role: 'user', content: 'hi' }] }, answer('Hello!'))).toEqual({ valid: true });
  });
});

describe('JsonSchemaValidators', () => {
  it('compiles a schema once, whatever its key order', () => {
    const validators = new JsonSchemaValidators(10);
    const first = validators.validatorFor({ type: 'object', required: ['a'] });
    const second = validators.validatorFor({ required: ['a'], type: 'object' });
    expect(second).toBe(first);
    expect(validators.size).toBe(1);
  });

  it('keeps at most its capacity, evicting the least recently used schema', () => {
    const validators = new JsonSchemaValidators(2);
    const a = validators.validatorFor({ type: 'string' });
    validators.validatorFor({ type: 'number' });
    validators.validatorFor({ type: 'string' });
    validators.validatorFor({ type: 'boolean' });
    expect(validators.size).toBe(2);
    expect(validators.validatorFor({ type: 'string' })).toBe(a);
    expect(validators.size).toBe(2);
  });

  it('recompiles an evicted schema that carries an $id without a collision', () => {
    const validators = new JsonSchemaValidators(1);
    const withId = { $id: 'https://schemas.example/person', type: 'object', required: ['name'] };
    validators.validatorFor(withId);
    validators.validatorFor({ type: 'number' });
    const again = validators.validatorFor(withId);
    expect(again).not.toBeNull();
    expect(again?.({})).toBe(false);
  });

  it('gives two different schemas with the same $id their own validators', () => {
    const validators = new JsonSchemaValidators(10);
    const person = validators.validatorFor({ $id: 'https://schemas.example/shared', type: 'object', required: ['name'] });
    const order = validators.validatorFor({ $id: 'https://schemas.example/shared', type: 'object', required: ['sku'] });
    expect(person?.({ name: 'Ann' })).toBe(true);
    expect(order?.({ name: 'Ann' })).toBe(false);
  });

  it('answers null for a schema Ajv cannot compile', () => {
    expect(new JsonSchemaValidators(10).validatorFor({ type: 'string', pattern: '(' })).toBeNull();
  });
});

describe('patterns in client schemas', () => {
  const withPattern = (pattern: string) => jsonSchemaRequest({ type: 'object', properties: { code: { type: 'string', pattern } }, required: ['code'] });

  it('enforces a safe pattern', () => {
    expect(validateStructuredOutput(withPattern('^[A-Z]{3}-\\d+$'), answer('{"code":"INV-42"}')).valid).toBe(true);
    expect(validateStructuredOutput(withPattern('^[A-Z]{3}-\\d+$'), answer('{"code":"inv42"}')).valid).toBe(false);
  });

  it('does not run a pattern with catastrophic backtracking on the request path', () => {
    const evil = '^(a+)+$';
    const result = validateStructuredOutput(withPattern(evil), answer(JSON.stringify({ code: `${'a'.repeat(40)}!` })));
    // The answer is still held to the rest of the schema; only the unsafe pattern is skipped.
    expect(result.valid).toBe(true);
    expect(validateStructuredOutput(withPattern(evil), answer('{"other":1}')).valid).toBe(false);
  });
});
