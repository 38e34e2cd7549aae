// Rebuilds the assistant message a client assembled from an OpenAI chat.completion.chunk stream
// (first choice only), so a streamed answer can be validated or sampled like a non-streamed one.
export interface AssembledMessage {
  role: 'assistant';
  content: string | null;
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
}

interface ChunkToolCall {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface ChunkShape {
  choices?: Array<{ index?: number; delta?: { content?: string | null; tool_calls?: ChunkToolCall[] } }>;
}

export class StreamMessageAssembler {
  private content = '';
  private sawContent = false;
  private readonly toolCalls = new Map<number, { id: string; name: string; arguments: string }>();

  /** Feeds one chunk's JSON; chunks that are not JSON objects (never sent by adapters) are ignored. */
  add(chunkJson: Uint8Array | string): void {
    let chunk: ChunkShape;
    try {
      chunk = JSON.parse(typeof chunkJson === 'string' ? chunkJson : Buffer.from(chunkJson).toString('utf8')) as ChunkShape;
    } catch {
      return;
    }
    for (const choice of chunk.choices ?? []) {
      if ((choice.index ?? 0) !== 0 || !choice.delta) continue;
      if (typeof choice.delta.content === 'string') {
        this.content += choice.delta.content;
        this.sawContent = true;
      }
      for (const call of choice.delta.tool_calls ?? []) {
        const index = call.index ?? 0;
        const current = this.toolCalls.get(index) ?? { id: '', name: '', arguments: '' };
        if (call.id) current.id = call.id;
        if (call.function?.name) current.name += call.function.name;
        if (call.function?.arguments) current.arguments += call.function.arguments;
        this.toolCalls.set(index, current);
      }
    }
  }

  message(): AssembledMessage {
    const message: AssembledMessage = { role: 'assistant', content: this.sawContent ? this.content : null };
    if (this.toolCalls.size > 0) {
      message.tool_calls = [...this.toolCalls.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, c]) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } }));
    }
    return message;
  }
}
