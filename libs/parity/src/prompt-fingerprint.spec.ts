import { fingerprintPrompt, resolvePromptType } from './prompt-fingerprint';
import { ChatCompletionBody, ChatMessage } from './openai-chat-shapes';

function typeOf(body: ChatCompletionBody): string {
  return fingerprintPrompt(body).promptType;
}

const CLASSIFIER_SYSTEM =
  'You are a support-ticket classifier. Answer with exactly one label: "billing", "technical" or "account".';

function classifierRequest(ticket: string): ChatCompletionBody {
  return {
    messages: [
      { role: 'system', content: CLASSIFIER_SYSTEM },
      { role: 'user', content: ticket },
    ],
  };
}

const INVOICE_SCHEMA = {
  type: 'object',
  properties: { invoice_number: { type: 'string' }, total: { type: 'number' } },
  required: ['invoice_number', 'total'],
  additionalProperties: false,
};

function extractionRequest(text: string, schema: Record<string, unknown> = INVOICE_SCHEMA): ChatCompletionBody {
  return {
    messages: [
      { role: 'system', content: 'Extract the invoice fields from the document.' },
      { role: 'user', content: `Document: ${text}` },
    ],
    response_format: { type: 'json_schema', json_schema: { name: 'invoice', schema, strict: true } },
  };
}

const WEATHER_TOOL = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } };
const SEARCH_TOOL = { type: 'function', function: { name: 'search_web', parameters: { type: 'object' } } };

function agentRequest(messages: ChatMessage[], tools = [WEATHER_TOOL, SEARCH_TOOL]): ChatCompletionBody {
  return { messages: [{ role: 'system', content: 'You are a travel assistant. Use tools when useful.' }, ...messages], tools };
}

function userTurn(text: string): ChatMessage {
  return { role: 'user', content: text };
}

const LONG_ARTICLE =
  'The city council met on Tuesday to discuss the new tram line, which will connect the central station to ' +
  'the airport by 2027. Council member Jane Doe (jane.doe@city.example) said the budget of 1.2 billion euros ' +
  'is final; details are at https://city.example/tram. Critics argue the route skips the northern districts.';

describe('fingerprintPrompt', () => {
  it('gives tickets of one classifier the same prompt type, whatever their text and length', () => {
    const short = typeOf(classifierRequest('I was charged twice this month'));
    const long = typeOf(classifierRequest(`Hello, my order ord_88213 from 2024-03-02 failed. ${LONG_ARTICLE}`));
    const withColon = typeOf(classifierRequest('I cannot log in, the app says: invalid password'));
    expect(long).toBe(short);
    expect(withColon).toBe(short);
  });

  it('returns a pt_ prefixed type of 16 hex digits', () => {
    expect(typeOf(classifierRequest('help'))).toMatch(/^pt_[0-9a-f]{16}$/);
  });

  it('keeps the same prompt type across releases for a fixed request, since changing it restarts every qualification', () => {
    expect(typeOf(classifierRequest('I was charged twice'))).toBe('pt_fdbec398bce841c5');
  });

  it('separates prompts whose system prompts differ', () => {
    const other: ChatCompletionBody = {
      messages: [
        { role: 'system', content: 'You are a sentiment classifier. Answer "positive" or "negative".' },
        userTurn('I was charged twice'),
      ],
    };
    expect(typeOf(other)).not.toBe(typeOf(classifierRequest('I was charged twice')));
  });

  it('ignores the model, sampling parameters and metadata', () => {
    const plain = classifierRequest('I was charged twice');
    const tuned = { ...plain, model: 'gpt-4o-mini', temperature: 0.7, top_p: 0.9, metadata: { user: 'u-1' } };
    expect(typeOf(tuned)).toBe(typeOf(plain));
  });

  it('masks dates, times, weekdays and numbers in the system prompt', () => {
    const withDate = (date: string) => ({
      messages: [{ role: 'system', content: `Today is ${date}. You have 3 tools.` }, userTurn('hi')],
    });
    const a = typeOf(withDate('Monday, June 3, 2024 at 10:30 am'));
    expect(typeOf(withDate('Friday, 14 March 2025 at 9:05 pm'))).toBe(a);
    expect(typeOf(withDate('2025-01-31T08:00:00Z'))).toBe(typeOf(withDate('2024-12-01T23:59:59+02:00')));
  });

  it('treats a developer message like the same system message', () => {
    const developer: ChatCompletionBody = {
      messages: [{ role: 'developer', content: CLASSIFIER_SYSTEM }, userTurn('I was charged twice')],
    };
    expect(typeOf(developer)).toBe(typeOf(classifierRequest('I was charged twice')));
  });

  describe('templated user prompts', () => {
    const translate = (language: string, text: string): ChatCompletionBody => ({
      messages: [userTurn(`Translate the following to ${language}: ${text}`)],
    });

    it('gives one template with different inputs the same type', () => {
      expect(typeOf(translate('French', 'Good morning'))).toBe(typeOf(translate('French', LONG_ARTICLE)));
    });

    it('separates templates whose instruction differs', () => {
      expect(typeOf(translate('French', 'Good morning'))).not.toBe(typeOf(translate('German', 'Good morning')));
    });

    it('shows the instruction with the input as a placeholder in the skeleton', () => {
      expect(fingerprintPrompt(translate('French', 'Good morning')).skeleton).toBe(
        'user: Translate the following to French: {{text}}\nreply to: user',
      );
    });

    it('reads the instruction under a boilerplate system prompt, but not under one that names the task', () => {
      const under = (system: string, user: string) => typeOf({ messages: [{ role: 'system', content: system }, userTurn(user)] });
      const boilerplate = 'You are a helpful assistant.';
      expect(under(boilerplate, 'Translate to French: hello')).not.toBe(under(boilerplate, 'Summarize: hello'));
      expect(under(CLASSIFIER_SYSTEM, 'Subject: refund')).toBe(under(CLASSIFIER_SYSTEM, 'Error: cannot log in'));
    });

    it('masks ids, emails, urls and quoted strings inside the instruction', () => {
      const ticket = (head: string) => ({ messages: [userTurn(`${head}: the printer is on fire`)] });
      const a = typeOf(ticket('Ticket 4821 (f47ac10b-58cc-4372-a567-0e02b2c3d479) from ann@example.com about "Printer X"'));
      const b = typeOf(ticket('Ticket 77 (0b7e3f4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b) from bob@example.org about "Laptop"'));
      expect(a).toBe(b);
    });

    it('keeps an instruction sent as its own text part, with the input in the next part', () => {
      const parts = (text: string): ChatCompletionBody => ({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Summarize the article below:' },
              { type: 'text', text },
            ],
          },
        ],
      });
      expect(typeOf(parts(LONG_ARTICLE))).toBe(typeOf(parts('Short news.')));
      expect(fingerprintPrompt(parts('Short news.')).skeleton).toContain('user: Summarize the article below: {{text}}');
    });
  });

  it('gives a summarizer the same type for articles of any length and content', () => {
    const summarize = (article: string): ChatCompletionBody => ({
      messages: [{ role: 'system', content: 'Summarize the article in three bullet points.' }, userTurn(article)],
    });
    expect(typeOf(summarize(LONG_ARTICLE))).toBe(typeOf(summarize(LONG_ARTICLE.slice(0, 90))));
    expect(fingerprintPrompt(summarize(LONG_ARTICLE)).skeleton).not.toContain('tram');
  });

  describe('structured output', () => {
    it('gives extraction requests with different documents the same type', () => {
      expect(typeOf(extractionRequest('Invoice INV-1 total 10 EUR'))).toBe(typeOf(extractionRequest(LONG_ARTICLE)));
    });

    it('ignores the key order of the schema', () => {
      const reordered = {
        additionalProperties: false,
        required: ['invoice_number', 'total'],
        properties: { total: { type: 'number' }, invoice_number: { type: 'string' } },
        type: 'object',
      };
      expect(typeOf(extractionRequest('x', reordered))).toBe(typeOf(extractionRequest('x')));
    });

    it('separates requests whose schemas differ', () => {
      const withCurrency = {
        ...INVOICE_SCHEMA,
        properties: { ...INVOICE_SCHEMA.properties, currency: { type: 'string' } },
      };
      expect(typeOf(extractionRequest('x', withCurrency))).not.toBe(typeOf(extractionRequest('x')));
    });

    it('separates a json_object request from the same prompt answered in free text', () => {
      const text = classifierRequest('I was charged twice');
      const json: ChatCompletionBody = { ...text, response_format: { type: 'json_object' } };
      expect(typeOf(json)).not.toBe(typeOf(text));
      expect(typeOf({ ...text, response_format: { type: 'text' } })).toBe(typeOf(text));
    });
  });

  describe('tool-calling agents', () => {
    const firstCall = [userTurn('What is the weather in Paris?')];
    const afterTool: ChatMessage[] = [
      userTurn('What is the weather in Paris?'),
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', content: '{"temperature": 21}' },
    ];

    it('ignores the order in which tools are declared', () => {
      expect(typeOf(agentRequest(firstCall, [SEARCH_TOOL, WEATHER_TOOL]))).toBe(typeOf(agentRequest(firstCall)));
    });

    it('separates agents whose tools differ', () => {
      expect(typeOf(agentRequest(firstCall, [WEATHER_TOOL]))).not.toBe(typeOf(agentRequest(firstCall)));
    });

    it('separates answering the user from continuing after a tool result', () => {
      expect(typeOf(agentRequest(afterTool))).not.toBe(typeOf(agentRequest(firstCall)));
    });

    it('gives later user turns of the same agent the type of its first turn', () => {
      const later = [...afterTool, { role: 'assistant', content: 'It is 21 degrees.' }, userTurn('And in Rome?')];
      expect(typeOf(agentRequest(later))).toBe(typeOf(agentRequest(firstCall)));
    });
  });

  it('gives chat conversations of any length under one system prompt the same type', () => {
    const system = { role: 'system', content: 'You are Ada, the friendly assistant of Example Bank.' };
    const one = typeOf({ messages: [system, userTurn('Tell me a joke')] });
    const three = typeOf({
      messages: [
        system,
        userTurn('What are your opening hours?'),
        { role: 'assistant', content: 'We are open from 9 to 5.' },
        userTurn('And on Saturday?'),
      ],
    });
    expect(three).toBe(one);
  });

  it('masks images, whether sent by url or inline as data', () => {
    const describeImage = (url: string): ChatCompletionBody => ({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe this image' },
            { type: 'image_url', image_url: { url } },
          ],
        },
      ],
    });
    const byUrl = fingerprintPrompt(describeImage('https://cdn.example.com/cat.png'));
    const inline = fingerprintPrompt(describeImage('data:image/png;base64,iVBORw0KGgo='));
    expect(inline.promptType).toBe(byUrl.promptType);
    expect(byUrl.skeleton).toContain('{{image}}');
    expect(byUrl.skeleton).not.toContain('cat.png');
    expect(typeOf({ messages: [userTurn('Describe this image')] })).not.toBe(byUrl.promptType);
  });

  it('fingerprints a body without messages instead of throwing', () => {
    expect(typeOf({})).toMatch(/^pt_/);
    expect(typeOf({ messages: 'oops' } as unknown as ChatCompletionBody)).toBe(typeOf({}));
  });
});

describe('resolvePromptType', () => {
  const body = classifierRequest('I was charged twice');

  it('returns a non-empty explicit label as it is', () => {
    expect(resolvePromptType(' Ticket Triage ', body)).toBe(' Ticket Triage ');
  });

  it('falls back to metadata.prompt_type, then to the fingerprint', () => {
    expect(resolvePromptType(undefined, { ...body, metadata: { prompt_type: 'triage' } })).toBe('triage');
    expect(resolvePromptType('', body)).toBe(typeOf(body));
    expect(resolvePromptType('   ', { ...body, metadata: { prompt_type: 7 } })).toBe(typeOf(body));
  });
});
