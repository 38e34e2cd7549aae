import { AssistantMessage, ChatCompletionBody } from './openai-chat-shapes';
import { judgeStructured } from './structured-judge';

const INVOICE: ChatCompletionBody = {
  messages: [{ role: 'user', content: 'Extract: Invoice INV-7, 12.50 EUR, items pen and ink' }],
  response_format: {
    type: 'json_schema',
    json_schema: {
      name: 'invoice',
      strict: true,
      schema: {
        type: 'object',
        properties: {
          number: { type: 'string' },
          total: { type: 'number' },
          items: { type: 'array', items: { type: 'string' } },
          paid: { type: ['boolean', 'null'] },
        },
        required: ['number', 'total', 'items'],
      },
    },
  },
};

const AGENT: ChatCompletionBody = {
  messages: [{ role: 'user', content: 'Weather in Paris and Rome?' }],
  tools: [
    { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    { type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } },
  ],
};

const CLASSIFIER: ChatCompletionBody = {
  messages: [
    { role: 'system', content: 'Classify the ticket as billing, technical or account. Answer with the label only.' },
    { role: 'user', content: 'I was charged twice' },
  ],
};

function answer(content: string | null): AssistantMessage {
  return { role: 'assistant', content };
}

function calls(...list: Array<[string, string]>): AssistantMessage {
  return {
    role: 'assistant',
    content: null,
    tool_calls: list.map(([name, args], i) => ({ id: `call_${i}`, type: 'function', function: { name, arguments: args } })),
  };
}

const BASELINE_INVOICE = answer('{"number":"INV-7","total":12.5,"items":["pen","ink"],"paid":null}');

describe('judgeStructured', () => {
  describe('JSON answers', () => {
    it('scores an invalid candidate as a loss, whatever the baseline did', () => {
      expect(judgeStructured(INVOICE, BASELINE_INVOICE, answer('{"number":"INV-7"}'))).toBe(0);
      expect(judgeStructured(INVOICE, answer('oops'), answer('not json either'))).toBe(0);
    });

    it('scores a valid candidate against an invalid baseline as a win', () => {
      expect(judgeStructured(INVOICE, answer('Sorry, here it is: {...}'), BASELINE_INVOICE)).toBe(1);
    });

    it('ties when every field agrees up to key order, case, surrounding space and float noise', () => {
      const candidate = answer('{"items":[" Pen","INK "],"total":12.500000000001,"number":"inv-7"}');
      expect(judgeStructured(INVOICE, BASELINE_INVOICE, candidate)).toBe(0.5);
    });

    it('treats a missing optional field as equal to null', () => {
      expect(judgeStructured(INVOICE, BASELINE_INVOICE, answer('{"number":"INV-7","total":12.5,"items":["pen","ink"]}'))).toBe(0.5);
    });

    it('scores a loss when one field differs', () => {
      expect(judgeStructured(INVOICE, BASELINE_INVOICE, answer('{"number":"INV-7","total":12.05,"items":["pen","ink"]}'))).toBe(0);
      expect(judgeStructured(INVOICE, BASELINE_INVOICE, answer('{"number":"INV-7","total":12.5,"items":["pen","ink"],"paid":false}'))).toBe(0);
    });

    it('compares arrays element by element, in order', () => {
      expect(judgeStructured(INVOICE, BASELINE_INVOICE, answer('{"number":"INV-7","total":12.5,"items":["ink","pen"]}'))).toBe(0);
      expect(judgeStructured(INVOICE, BASELINE_INVOICE, answer('{"number":"INV-7","total":12.5,"items":["pen"]}'))).toBe(0);
    });

    it('compares json_object answers the same way, without a schema', () => {
      const body: ChatCompletionBody = { messages: [], response_format: { type: 'json_object' } };
      expect(judgeStructured(body, answer('{"a":{"b":[1,2]}}'), answer('{ "a": { "b": [1, 2.0] } }'))).toBe(0.5);
      expect(judgeStructured(body, answer('{"a":1}'), answer('{"a":"1"}'))).toBe(0);
      expect(judgeStructured(body, answer('{"a":1}'), answer('[1]'))).toBe(0);
    });
  });

  describe('tool calls', () => {
    it('ties when both call the same tools in the same order with agreeing arguments', () => {
      const baseline = calls(['get_weather', '{"city":"Paris"}'], ['get_weather', '{"city":"Rome"}']);
      const candidate = calls(['get_weather', '{ "city": "paris" }'], ['get_weather', '{"city":"Rome"}']);
      expect(judgeStructured(AGENT, baseline, candidate)).toBe(0.5);
    });

    it('scores a loss for other arguments, another order, or another number of calls', () => {
      const baseline = calls(['get_weather', '{"city":"Paris"}'], ['get_time', '{}']);
      expect(judgeStructured(AGENT, baseline, calls(['get_weather', '{"city":"Lyon"}'], ['get_time', '{}']))).toBe(0);
      expect(judgeStructured(AGENT, baseline, calls(['get_time', '{}'], ['get_weather', '{"city":"Paris"}']))).toBe(0);
      expect(judgeStructured(AGENT, baseline, calls(['get_weather', '{"city":"Paris"}']))).toBe(0);
    });

    it('scores a loss for answering in text where the baseline called a tool, and the reverse', () => {
      expect(judgeStructured(AGENT, calls(['get_time', '{}']), answer('It is noon.'))).toBe(0);
      expect(judgeStructured(AGENT, answer('Which city?'), calls(['get_time', '{}']))).toBe(0);
    });

    it('scores a call of an undeclared tool as a loss', () => {
      expect(judgeStructured(AGENT, calls(['get_time', '{}']), calls(['send_email', '{}']))).toBe(0);
    });

    it('leaves two free-text answers to a tools request to the LLM judge', () => {
      const baseline = answer('Could you tell me which of the two cities you care about most right now?');
      expect(judgeStructured(AGENT, baseline, answer('Which city do you mean, exactly, and for which day?'))).toBeNull();
    });
  });

  describe('short labels', () => {
    it('ties when a classifier answers the same label up to case, spacing, quotes and a full stop', () => {
      expect(judgeStructured(CLASSIFIER, answer('billing'), answer(' Billing.'))).toBe(0.5);
      expect(judgeStructured(CLASSIFIER, answer('Billing'), answer('"billing"'))).toBe(0.5);
    });

    it('scores a loss for another label or a sentence around the label', () => {
      expect(judgeStructured(CLASSIFIER, answer('billing'), answer('account'))).toBe(0);
      expect(judgeStructured(CLASSIFIER, answer('billing'), answer('The ticket is about billing.'))).toBe(0);
    });

    it('treats labels of up to four words as labels', () => {
      expect(judgeStructured(CLASSIFIER, answer('needs human review now'), answer('Needs human review now'))).toBe(0.5);
    });

    it('leaves longer text and empty baselines to the LLM judge', () => {
      expect(judgeStructured(CLASSIFIER, answer('This is about a double charge'), answer('billing'))).toBeNull();
      expect(judgeStructured(CLASSIFIER, answer('x'.repeat(41)), answer('billing'))).toBeNull();
      expect(judgeStructured(CLASSIFIER, answer(''), answer('billing'))).toBeNull();
    });

    it('scores a candidate that calls a tool nobody declared as a loss', () => {
      expect(judgeStructured(CLASSIFIER, answer('billing'), calls(['lookup', '{}']))).toBe(0);
    });
  });
});
