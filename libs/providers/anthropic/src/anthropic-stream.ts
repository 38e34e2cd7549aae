// Anthropic Messages stream events → OpenAI chat.completion.chunk objects, one event at a time.
// Pure and stateful per stream: it remembers the message id, which content block is which tool
// call, and the usage, which Anthropic splits between message_start and message_delta.
import type { OpenAIObject, ProviderStreamEvent } from '@assay/providers-spec';
import { anthropicStreamError } from './errors';
import { isObject } from './translate-request';
import { finishReasonFromAnthropic, type AnthropicTranslateOptions, type AnthropicUsageWire, usageFromAnthropic } from './translate-response';

type Json = Record<string, unknown>;

type BlockRole = { kind: 'text' } | { kind: 'tool'; toolIndex: number } | { kind: 'structured' } | { kind: 'ignored' };

export class AnthropicStreamTranslator {
  private id = '';
  private model = '';
  private readonly created: number;
  private readonly blocks = new Map<number, BlockRole>();
  private toolCount = 0;
  private structuredSeen = false;
  private usage: AnthropicUsageWire = {};

  constructor(
    private readonly provider: string,
    private readonly options: AnthropicTranslateOptions = {},
  ) {
    this.created = options.created ?? Math.floor(Date.now() / 1000);
  }

  /** Translates one parsed SSE data payload; throws ProviderHttpError on an `error` event. */
  push(event: Json): ProviderStreamEvent[] {
    switch (event.type) {
      case 'message_start': {
        const message = isObject(event.message) ? event.message : {};
        this.id = String(message.id ?? '');
        this.model = String(message.model ?? '');
        if (isObject(message.usage)) this.usage = { ...(message.usage as AnthropicUsageWire) };
        return [this.chunk({ role: 'assistant', content: '' }, null)];
      }
      case 'content_block_start':
        return this.blockStart(Number(event.index), isObject(event.content_block) ? event.content_block : {});
      case 'content_block_delta':
        return this.blockDelta(Number(event.index), isObject(event.delta) ? event.delta : {});
      case 'message_delta': {
        // message_delta usage is cumulative; any field it carries replaces the message_start value.
        if (isObject(event.usage)) {
          for (const [key, value] of Object.entries(event.usage)) if (typeof value === 'number') (this.usage as Json)[key] = value;
        }
        const delta = isObject(event.delta) ? event.delta : {};
        if (delta.stop_reason == null) return [];
        return [this.chunk({}, finishReasonFromAnthropic(delta.stop_reason, this.toolCount === 0 && this.structuredSeen))];
      }
      case 'message_stop':
        return [this.usageEvent()];
      case 'error':
        throw anthropicStreamError(this.provider, event);
      default:
        // ping, content_block_stop, and event types added later carry nothing for the client.
        return [];
    }
  }

  private blockStart(index: number, block: Json): ProviderStreamEvent[] {
    if (block.type === 'text') {
      this.blocks.set(index, { kind: 'text' });
      return typeof block.text === 'string' && block.text ? [this.chunk({ content: block.text }, null)] : [];
    }
    if (block.type === 'tool_use' && block.name === this.options.structuredOutputTool) {
      this.structuredSeen = true;
      this.blocks.set(index, { kind: 'structured' });
      return [];
    }
    if (block.type === 'tool_use') {
      const toolIndex = this.toolCount++;
      this.blocks.set(index, { kind: 'tool', toolIndex });
      return [this.chunk({ tool_calls: [{ index: toolIndex, id: String(block.id), type: 'function', function: { name: String(block.name), arguments: '' } }] }, null)];
    }
    this.blocks.set(index, { kind: 'ignored' });
    return [];
  }

  private blockDelta(index: number, delta: Json): ProviderStreamEvent[] {
    const role = this.blocks.get(index);
    if (delta.type === 'text_delta' && role?.kind === 'text') return [this.chunk({ content: String(delta.text ?? '') }, null)];
    if (delta.type === 'input_json_delta' && role?.kind === 'structured') return [this.chunk({ content: String(delta.partial_json ?? '') }, null)];
    if (delta.type === 'input_json_delta' && role?.kind === 'tool') {
      const partial = String(delta.partial_json ?? '');
      return partial ? [this.chunk({ tool_calls: [{ index: role.toolIndex, function: { arguments: partial } }] }, null)] : [];
    }
    // thinking_delta, signature_delta, citations_delta: not part of an OpenAI chunk.
    return [];
  }

  private envelope(): Json {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model };
  }

  private chunk(delta: Json, finishReason: string | null): ProviderStreamEvent {
    return { type: 'chunk', chunk: { ...this.envelope(), choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] } };
  }

  private usageEvent(): ProviderStreamEvent {
    const { openai, usage } = usageFromAnthropic(this.usage);
    const chunk: OpenAIObject = { ...this.envelope(), choices: [], usage: openai };
    return { type: 'usage', usage, chunk };
  }
}
