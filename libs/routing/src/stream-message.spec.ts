import { StreamMessageAssembler } from './stream-message';

const chunk = (delta: object, index = 0) => JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index, delta, finish_reason: null }] });

describe('StreamMessageAssembler', () => {
  it('joins content deltas of the first choice into one message', () => {
    const assembler = new StreamMessageAssembler();
    for (const c of [chunk({ role: 'assistant', content: '' }), chunk({ content: '{"label"' }), chunk({ content: ':"billing"}' }), chunk({ content: 'ignored' }, 1)]) assembler.add(c);
    assembler.add(JSON.stringify({ choices: [], usage: { prompt_tokens: 3 } }));
    expect(assembler.message()).toEqual({ role: 'assistant', content: '{"label":"billing"}' });
  });

  it('joins tool-call argument fragments by index, keeping ids and names', () => {
    const assembler = new StreamMessageAssembler();
    assembler.add(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '' } }] }));
    assembler.add(chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'other', arguments: '{}' } }] }));
    assembler.add(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"id":' } }] }));
    assembler.add(chunk({ tool_calls: [{ index: 0, function: { arguments: '7}' } }] }));
    expect(assembler.message()).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"id":7}' } },
        { id: 'call_2', type: 'function', function: { name: 'other', arguments: '{}' } },
      ],
    });
  });
});
