// The reverse direction, for Assay's Anthropic-compatible ingress (POST /v1/messages on our side):
// an Anthropic request → the OpenAI body Assay routes, and the OpenAI answer → Anthropic's message,
// stream events and error envelope. Pure; the ingress owns HTTP. It must never accept a request that
// Anthropic itself would reject for a missing field, so clients see the errors they expect.
import type { OpenAIChatBody, OpenAIObject } from '@assay/providers-spec';
import { isObject } from './translate-request';

type Json = Record<string, unknown>;

/** A client's Anthropic request that cannot be served; `message` says which field and why. */
export class AnthropicRequestInvalid extends Error {
  readonly status = 400;
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'AnthropicRequestInvalid';
  }
}

function invalid(field: string, message: string): AnthropicRequestInvalid {
  return new AnthropicRequestInvalid(`${field}: ${message}`, field);
}

function mediaSourceUrl(source: unknown, field: string): string {
  if (!isObject(source)) throw invalid(field, 'Field required');
  if (source.type === 'base64') {
    if (typeof source.media_type !== 'string' || typeof source.data !== 'string') throw invalid(field, 'base64 sources need media_type and data');
    return `data:${source.media_type};base64,${source.data}`;
  }
  if (source.type === 'url' && typeof source.url === 'string') return source.url;
  throw invalid(`${field}.type`, `source type '${String(source.type)}' is not supported (use base64 or url)`);
}

function textOfBlocks(content: unknown, field: string): string {
  if (typeof content === 'string') return content;
  if (content === undefined || content === null) return '';
  if (!Array.isArray(content)) throw invalid(field, 'Input should be a valid string or a list of content blocks');
  return content
    .map((block, i) => {
      if (isObject(block) && block.type === 'text' && typeof block.text === 'string') return block.text;
      throw invalid(`${field}.${i}`, 'only text blocks are supported here');
    })
    .join('\n');
}

function userMessages(content: unknown, field: string): Json[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  if (!Array.isArray(content)) throw invalid(field, 'Input should be a valid string or a list of content blocks');
  const toolMessages: Json[] = [];
  const parts: Json[] = [];
  content.forEach((block, i) => {
    const where = `${field}.${i}`;
    if (!isObject(block)) throw invalid(where, 'Input should be an object');
    switch (block.type) {
      case 'text':
        if (typeof block.text !== 'string') throw invalid(`${where}.text`, 'Field required');
        parts.push({ type: 'text', text: block.text });
        return;
      case 'image':
        parts.push({ type: 'image_url', image_url: { url: mediaSourceUrl(block.source, `${where}.source`) } });
        return;
      case 'document': {
        const source = isObject(block.source) ? block.source : undefined;
        if (source?.type === 'text' && typeof source.data === 'string') parts.push({ type: 'text', text: source.data });
        else parts.push({ type: 'file', file: { file_data: mediaSourceUrl(block.source, `${where}.source`), ...(typeof block.title === 'string' ? { filename: block.title } : {}) } });
        return;
      }
      case 'tool_result':
        if (typeof block.tool_use_id !== 'string') throw invalid(`${where}.tool_use_id`, 'Field required');
        // OpenAI's tool messages carry text only; images in tool results cannot be forwarded.
        toolMessages.push({ role: 'tool', tool_call_id: block.tool_use_id, content: textOfBlocks(block.content, `${where}.content`) });
        return;
      default:
        throw invalid(`${where}.type`, `content block type '${String(block.type)}' is not supported by this gateway`);
    }
  });
  // Tool results answer the previous assistant turn, so they come before any new user text.
  return parts.length > 0 ? [...toolMessages, { role: 'user', content: parts }] : toolMessages;
}

function assistantMessage(content: unknown, field: string): Json {
  if (typeof content === 'string') return { role: 'assistant', content };
  if (!Array.isArray(content)) throw invalid(field, 'Input should be a valid string or a list of content blocks');
  let text = '';
  const toolCalls: Json[] = [];
  content.forEach((block, i) => {
    const where = `${field}.${i}`;
    if (!isObject(block)) throw invalid(where, 'Input should be an object');
    if (block.type === 'text') text += String(block.text ?? '');
    else if (block.type === 'tool_use') {
      if (typeof block.id !== 'string' || typeof block.name !== 'string') throw invalid(where, 'tool_use blocks need id and name');
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    } else if (block.type !== 'thinking' && block.type !== 'redacted_thinking') {
      throw invalid(`${where}.type`, `content block type '${String(block.type)}' is not supported in assistant turns`);
    }
  });
  return { role: 'assistant', content: text || null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
}

function openAITools(tools: unknown): Json[] {
  if (!Array.isArray(tools)) throw invalid('tools', 'Input should be a valid list');
  return tools.map((tool, i) => {
    if (!isObject(tool) || typeof tool.name !== 'string') throw invalid(`tools.${i}.name`, 'Field required');
    if (tool.type !== undefined && tool.type !== 'custom') throw invalid(`tools.${i}.type`, `server tool '${String(tool.type)}' is not supported by this gateway`);
    if (!isObject(tool.input_schema)) throw invalid(`tools.${i}.input_schema`, 'Field required');
    return { type: 'function', function: { name: tool.name, ...(typeof tool.description === 'string' ? { description: tool.description } : {}), parameters: tool.input_schema } };
  });
}

function openAIToolChoice(choice: unknown): { tool_choice?: unknown; parallel_tool_calls?: boolean } {
  if (choice === undefined) return {};
  if (!isObject(choice)) throw invalid('tool_choice', 'Input should be an object');
  const parallel = choice.disable_parallel_tool_use === true ? { parallel_tool_calls: false } : {};
  switch (choice.type) {
    case 'auto':
      return { tool_choice: 'auto', ...parallel };
    case 'any':
      return { tool_choice: 'required', ...parallel };
    case 'none':
      return { tool_choice: 'none' };
    case 'tool':
      if (typeof choice.name !== 'string') throw invalid('tool_choice.name', 'Field required');
      return { tool_choice: { type: 'function', function: { name: choice.name } }, ...parallel };
    default:
      throw invalid('tool_choice.type', `'${String(choice.type)}' is not one of auto, any, tool, none`);
  }
}

/** Validates an Anthropic Messages request and returns the equivalent OpenAI chat body. */
export function openAIRequestFromAnthropic(body: unknown): OpenAIChatBody {
  if (!isObject(body)) throw new AnthropicRequestInvalid('The request body must be a JSON object.');
  if (typeof body.model !== 'string' || body.model === '') throw invalid('model', 'Field required');
  if (body.max_tokens === undefined) throw invalid('max_tokens', 'Field required');
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
    throw invalid('max_tokens', 'Input should be a valid integer greater than or equal to 1');
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw invalid('messages', 'Field required (a non-empty list of messages)');

  const messages: Json[] = [];
  if (body.system !== undefined) {
    if (typeof body.system !== 'string' && !Array.isArray(body.system)) throw invalid('system', 'Input should be a valid string or a list of text blocks');
    messages.push({ role: 'system', content: textOfBlocks(body.system, 'system') });
  }
  body.messages.forEach((message, i) => {
    const field = `messages.${i}`;
    if (!isObject(message)) throw invalid(field, 'Input should be an object');
    if (message.content === undefined) throw invalid(`${field}.content`, 'Field required');
    if (message.role === 'user') messages.push(...userMessages(message.content, `${field}.content`));
    else if (message.role === 'assistant') messages.push(assistantMessage(message.content, `${field}.content`));
    else throw invalid(`${field}.role`, "Input should be 'user' or 'assistant'");
  });

  const result: OpenAIChatBody = { model: body.model, messages, max_tokens: body.max_tokens };
  if (body.tools !== undefined) result.tools = openAITools(body.tools);
  Object.assign(result, openAIToolChoice(body.tool_choice));
  if (body.stop_sequences !== undefined) {
    if (!Array.isArray(body.stop_sequences) || !body.stop_sequences.every((s) => typeof s === 'string')) throw invalid('stop_sequences', 'Input should be a list of strings');
    result.stop = body.stop_sequences;
  }
  if (body.temperature !== undefined) {
    if (typeof body.temperature !== 'number' || body.temperature < 0 || body.temperature > 1) throw invalid('temperature', 'Input should be a number between 0 and 1');
    result.temperature = body.temperature;
  }
  if (typeof body.top_p === 'number') result.top_p = body.top_p;
  if (isObject(body.metadata) && typeof body.metadata.user_id === 'string') result.user = body.metadata.user_id;
  if (body.stream === true) {
    result.stream = true;
    result.stream_options = { include_usage: true };
  }
  return result;
}

const STOP_REASONS: Record<string, string> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use', function_call: 'tool_use', content_filter: 'refusal' };

function anthropicStopReason(finishReason: unknown): string {
  return STOP_REASONS[String(finishReason)] ?? 'end_turn';
}

function anthropicMessageId(id: unknown): string {
  const raw = typeof id === 'string' && id ? id : `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  return raw.startsWith('msg_') ? raw : `msg_${raw.replace(/^chatcmpl-/, '')}`;
}

/** OpenAI usage → Anthropic usage: input_tokens exclude the cached (read) tokens there. */
function anthropicUsage(usage: unknown): Json {
  const u = isObject(usage) ? usage : {};
  const cached = isObject(u.prompt_tokens_details) ? Number(u.prompt_tokens_details.cached_tokens ?? 0) : 0;
  const prompt = Number(u.prompt_tokens ?? 0);
  return { input_tokens: Math.max(0, prompt - cached), output_tokens: Number(u.completion_tokens ?? 0), cache_creation_input_tokens: 0, cache_read_input_tokens: cached };
}

function parseArguments(json: unknown): unknown {
  try {
    const value: unknown = JSON.parse(typeof json === 'string' && json ? json : '{}');
    return isObject(value) ? value : {};
  } catch {
    return {};
  }
}

/** An OpenAI chat.completion → the Anthropic message a /v1/messages client expects. */
export function anthropicResponseFromOpenAI(completion: OpenAIObject, requestedModel: string): Json {
  const choice = Array.isArray(completion.choices) && isObject(completion.choices[0]) ? completion.choices[0] : {};
  const message = isObject(choice.message) ? choice.message : {};
  const content: Json[] = [];
  if (typeof message.content === 'string' && message.content !== '') content.push({ type: 'text', text: message.content });
  else if (typeof message.refusal === 'string' && message.refusal !== '') content.push({ type: 'text', text: message.refusal });
  for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
    if (!isObject(call) || !isObject(call.function)) continue;
    content.push({ type: 'tool_use', id: String(call.id), name: String(call.function.name), input: parseArguments(call.function.arguments) });
  }
  return {
    id: anthropicMessageId(completion.id),
    type: 'message',
    role: 'assistant',
    model: requestedModel,
    content,
    stop_reason: anthropicStopReason(choice.finish_reason),
    stop_sequence: null,
    usage: anthropicUsage(completion.usage),
  };
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** Anthropic's error type for an HTTP status (other 4xx: invalid_request_error; other 5xx: api_error). */
export function anthropicErrorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

export function anthropicErrorEnvelope(status: number, message: string): { type: 'error'; error: { type: string; message: string } } {
  return { type: 'error', error: { type: anthropicErrorType(status), message } };
}

function sse(type: string, data: Json): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** The `event: error` frame for a failure after the stream has started. */
export function anthropicStreamErrorEvent(status: number, message: string): string {
  const { error } = anthropicErrorEnvelope(status, message);
  return sse('error', { error });
}

/**
 * Turns OpenAI chunks (choice 0) into Anthropic stream events, one chunk at a time: push() returns
 * the frames to write now, finish() the closing frames once the upstream stream has ended.
 * message_delta is held back until finish() because OpenAI's usage chunk comes after the
 * finish_reason chunk, and Anthropic clients read the final usage from message_delta.
 */
export class AnthropicStreamEncoder {
  private started = false;
  private finished = false;
  private blockIndex = -1;
  private openBlock: { kind: 'text' } | { kind: 'tool'; toolIndex: number } | undefined;
  private stopReason = 'end_turn';
  private usage: Json = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

  constructor(private readonly requestedModel: string) {}

  push(chunk: OpenAIObject): string[] {
    const frames = this.start(chunk.id);
    if (isObject(chunk.usage)) this.usage = anthropicUsage(chunk.usage);
    const choice = Array.isArray(chunk.choices) ? chunk.choices.find((c) => isObject(c) && (c.index ?? 0) === 0) : undefined;
    if (!isObject(choice)) return frames;
    const delta = isObject(choice.delta) ? choice.delta : {};
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (this.openBlock?.kind !== 'text') frames.push(...this.openNewBlock({ kind: 'text' }, { type: 'text', text: '' }));
      frames.push(sse('content_block_delta', { index: this.blockIndex, delta: { type: 'text_delta', text: delta.content } }));
    }
    for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
      if (!isObject(call)) continue;
      const toolIndex = Number(call.index ?? 0);
      const fn = isObject(call.function) ? call.function : {};
      if (this.openBlock?.kind !== 'tool' || this.openBlock.toolIndex !== toolIndex) {
        frames.push(...this.openNewBlock({ kind: 'tool', toolIndex }, { type: 'tool_use', id: String(call.id ?? `toolu_${toolIndex}`), name: String(fn.name ?? ''), input: {} }));
      }
      if (typeof fn.arguments === 'string' && fn.arguments !== '') {
        frames.push(sse('content_block_delta', { index: this.blockIndex, delta: { type: 'input_json_delta', partial_json: fn.arguments } }));
      }
    }
    if (choice.finish_reason) {
      this.stopReason = anthropicStopReason(choice.finish_reason);
      frames.push(...this.closeBlock());
    }
    return frames;
  }

  finish(): string[] {
    if (this.finished) return [];
    const frames = [...this.start(undefined), ...this.closeBlock()];
    this.finished = true;
    frames.push(sse('message_delta', { delta: { stop_reason: this.stopReason, stop_sequence: null }, usage: this.usage }), sse('message_stop', {}));
    return frames;
  }

  private start(id: unknown): string[] {
    if (this.started) return [];
    this.started = true;
    const message = {
      id: anthropicMessageId(id),
      type: 'message',
      role: 'assistant',
      model: this.requestedModel,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // Input tokens are known only from OpenAI's final usage chunk; message_delta carries them.
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return [sse('message_start', { message })];
  }

  private openNewBlock(kind: NonNullable<AnthropicStreamEncoder['openBlock']>, contentBlock: Json): string[] {
    const frames = this.closeBlock();
    this.blockIndex += 1;
    this.openBlock = kind;
    frames.push(sse('content_block_start', { index: this.blockIndex, content_block: contentBlock }));
    return frames;
  }

  private closeBlock(): string[] {
    if (!this.openBlock) return [];
    this.openBlock = undefined;
    return [sse('content_block_stop', { index: this.blockIndex })];
  }
}
