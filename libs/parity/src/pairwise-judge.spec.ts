import { ChatCompletionBody } from './openai-chat-shapes';
import {
  answerText,
  assertJudgeTemplate,
  buildJudgeRequest,
  combineJudgeOrders,
  DEFAULT_JUDGE_TEMPLATE,
  JudgeRequestBody,
  JudgeTemplateInvalid,
  JudgeVerdict,
  JudgeVerdictUnreadable,
  parseJudgeVerdict,
  questionOf,
} from './pairwise-judge';

const BASELINE = 'Paris is the capital of France.';
const CANDIDATE = 'The capital of France is Paris, on the Seine.';

function promptOf(request: JudgeRequestBody): string {
  return request.messages[0].content;
}

/** Both judge calls of one comparison, as the evaluator makes them, answered by `judge`. */
function scorePair(judge: (prompt: string) => string): number {
  const ask = (answerA: string, answerB: string) =>
    parseJudgeVerdict(judge(promptOf(buildJudgeRequest({ judgeModel: 'judge', question: 'Capital of France?', answerA, answerB }))));
  return combineJudgeOrders(ask(BASELINE, CANDIDATE), ask(CANDIDATE, BASELINE));
}

/** A judge that reads the prompt and prefers whichever response mentions the Seine. */
function seineLover(prompt: string): string {
  const a = prompt.slice(prompt.indexOf('[Response A]'), prompt.indexOf('[End of Response A]'));
  return JSON.stringify({ verdict: a.includes('Seine') ? 'A' : 'B' });
}

describe('buildJudgeRequest', () => {
  const request = buildJudgeRequest({ judgeModel: 'gpt-4o', question: 'Capital of France?', answerA: BASELINE, answerB: CANDIDATE });

  it('asks the judge model at temperature 0 for a strict pairwise_verdict JSON schema', () => {
    expect(request.model).toBe('gpt-4o');
    expect(request.temperature).toBe(0);
    expect(request.response_format).toEqual({
      type: 'json_schema',
      json_schema: {
        name: 'pairwise_verdict',
        strict: true,
        schema: {
          type: 'object',
          properties: { verdict: { type: 'string', enum: ['A', 'B', 'tie'] } },
          required: ['verdict'],
          additionalProperties: false,
        },
      },
    });
  });

  it('shows the question and both answers verbatim, Response A before Response B', () => {
    const prompt = promptOf(request);
    expect(prompt).toContain('Capital of France?');
    expect(prompt.indexOf(BASELINE)).toBeGreaterThan(-1);
    expect(prompt.indexOf(BASELINE)).toBeLessThan(prompt.indexOf(CANDIDATE));
    expect(prompt).not.toMatch(/\{\{(question|answer_a|answer_b)\}\}/);
  });

  it('keeps answers verbatim even when they contain placeholders or replacement patterns', () => {
    const tricky = 'Use {{answer_b}} and $& and $1 here';
    const prompt = promptOf(buildJudgeRequest({ judgeModel: 'j', question: 'q', answerA: tricky, answerB: 'plain' }));
    expect(prompt).toContain(tricky);
    expect(prompt.split('plain')).toHaveLength(2);
  });

  it('uses a configured template', () => {
    const template = 'Q: {{question}}\nA: {{answer_a}}\nB: {{answer_b}}\nVerdict as JSON.';
    expect(promptOf(buildJudgeRequest({ judgeModel: 'j', template, question: 'q', answerA: 'x', answerB: 'y' }))).toBe(
      'Q: q\nA: x\nB: y\nVerdict as JSON.',
    );
  });

  it('rejects a template that misses a placeholder, repeats one, or shows B before A', () => {
    expect(() => assertJudgeTemplate('{{question}} {{answer_a}}')).toThrow(JudgeTemplateInvalid);
    expect(() => assertJudgeTemplate('{{question}} {{answer_a}} {{answer_b}} {{answer_a}}')).toThrow(JudgeTemplateInvalid);
    expect(() => assertJudgeTemplate('{{question}} {{answer_b}} {{answer_a}}')).toThrow(JudgeTemplateInvalid);
    expect(() => assertJudgeTemplate(DEFAULT_JUDGE_TEMPLATE)).not.toThrow();
  });

  it('tells the judge to ignore length and position and to answer with a verdict object', () => {
    expect(DEFAULT_JUDGE_TEMPLATE).toMatch(/length/);
    expect(DEFAULT_JUDGE_TEMPLATE).toMatch(/order/);
    expect(DEFAULT_JUDGE_TEMPLATE).toContain('{"verdict": "tie"}');
  });
});

describe('parseJudgeVerdict', () => {
  it('reads A, B and tie from the verdict object', () => {
    expect(parseJudgeVerdict('{"verdict":"A"}')).toBe('A');
    expect(parseJudgeVerdict(' {"verdict": "B"}\n')).toBe('B');
    expect(parseJudgeVerdict('{"verdict":"tie"}')).toBe('tie');
  });

  it('tolerates letter case and a markdown fence around the object', () => {
    expect(parseJudgeVerdict('```json\n{"verdict":"Tie"}\n```')).toBe('tie');
    expect(parseJudgeVerdict('{"verdict":"a"}')).toBe('A');
  });

  it('throws JudgeVerdictUnreadable for anything else', () => {
    for (const reply of ['A', 'Response A is better.', '{"verdict":"C"}', '{"winner":"A"}', '["A"]', 'null', '']) {
      expect(() => parseJudgeVerdict(reply)).toThrow(JudgeVerdictUnreadable);
    }
  });

  it('keeps the unreadable reply on the error for the evaluator to log', () => {
    try {
      parseJudgeVerdict('I think A');
      throw new Error('expected a throw');
    } catch (error) {
      expect(error).toBeInstanceOf(JudgeVerdictUnreadable);
      expect((error as JudgeVerdictUnreadable).content).toBe('I think A');
      expect((error as JudgeVerdictUnreadable).name).toBe('JudgeVerdictUnreadable');
    }
  });
});

describe('combineJudgeOrders', () => {
  it('scores a win when both orders prefer the candidate and a loss when both prefer the baseline', () => {
    expect(combineJudgeOrders('B', 'A')).toBe(1);
    expect(combineJudgeOrders('A', 'B')).toBe(0);
  });

  it('scores a tie when the orders disagree or either is a tie', () => {
    const verdicts: JudgeVerdict[] = ['A', 'B', 'tie'];
    for (const first of verdicts) {
      for (const second of verdicts) {
        if ((first === 'B' && second === 'A') || (first === 'A' && second === 'B')) continue;
        expect(combineJudgeOrders(first, second)).toBe(0.5);
      }
    }
  });

  it('cancels position bias: a judge that always answers A, or always B, yields a tie', () => {
    expect(scorePair(() => '{"verdict":"A"}')).toBe(0.5);
    expect(scorePair(() => '{"verdict":"B"}')).toBe(0.5);
  });

  it('credits the candidate when a consistent judge prefers its answer in both orders', () => {
    expect(scorePair(seineLover)).toBe(1);
  });
});

describe('questionOf', () => {
  it('renders instructions and turns in order, with images as placeholders and tool calls as JSON', () => {
    const body: ChatCompletionBody = {
      messages: [
        { role: 'system', content: 'You are a travel assistant.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Where is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"q":"tower"}' } }],
        },
        { role: 'tool', content: 'Eiffel Tower, Paris' },
      ],
      tools: [{ type: 'function', function: { name: 'lookup', description: 'Search places' } }],
    };
    const question = questionOf(body);
    expect(question).toContain('Tools available to the assistant:\n- lookup: Search places');
    expect(question.indexOf('System:\nYou are a travel assistant.')).toBeLessThan(question.indexOf('User:\nWhere is this?\n[image]'));
    expect(question).toContain('"tool": "lookup"');
    expect(question).toContain('"q": "tower"');
    expect(question).toMatch(/Tool result:\nEiffel Tower, Paris$/);
    expect(question).not.toContain('base64');
  });
});

describe('answerText', () => {
  it('renders the content of a text answer', () => {
    expect(answerText({ role: 'assistant', content: BASELINE })).toBe(BASELINE);
  });

  it('renders tool calls as JSON with parsed arguments and without call ids', () => {
    const text = answerText({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_x9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
    });
    expect(JSON.parse(text.replace(/^Tool calls: /, ''))).toEqual([{ tool: 'get_weather', arguments: { city: 'Paris' } }]);
    expect(text).not.toContain('call_x9');
  });

  it('says so when an answer is empty, and shows a refusal', () => {
    expect(answerText({ role: 'assistant', content: '' })).toBe('(empty response)');
    expect(answerText({ role: 'assistant', content: null, refusal: 'I cannot help.' })).toBe('I cannot help.');
  });
});
