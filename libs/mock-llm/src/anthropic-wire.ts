// Anthropic Messages wire format for the mock provider: reads /v1/messages request bodies, renders
// message objects, the SSE event sequence (message_start … message_stop), model lists and the
// error envelope. Pure (no I/O): mock-server.ts owns sockets, pacing and fault injection.
import { generateAnswer, generateToolCall, jsonPieces, streamPieces } from './answer-generator';
import { answeringModel, type ModelBehaviour } from './mock-config';
import { invalidRequest, type MockProviderError } from './mock-provider-error';
import { nextId } from './response-ids';
import type { StreamFrame } from './stream-frame';
import { contentText, countPromptTokens, countTextTokens } from './token-count';

type Json = Record<string, unknown>;

export type AnthropicContentPlan =
  | { readonly kind: 'text'; readonly text: string; readonly tokens: number; readonly truncated: boolean }
  | { readonly kind: 'tool_use'; readonly toolUseId: string; readonly name: string; readonly argumentsJson: string; readonly tokens: number };

export interface AnthropicMessagePlan {
  readonly model: string;
  readonly stream: boolean;
  readonly content: AnthropicContentPlan;
  readonly inputTokens: number;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasToolResult(message: unknown): boolean {
  return isObject(message) && Array.isArray(message.content) && message.content.some((b) => isObject(b) && b.type === 'tool_result');
}

function promptOf(messages: readonly unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (isObject(m) && m.role === 'user') return contentText(m.content);
  }
  return '';
}

function chosenTool(body: Json, messages: readonly unknown[]): { name: string; parameters: unknown } | undefined {
  const tools = Array.isArray(body.tools) ? body.tools.filter((t): t is Json => isObject(t) && typeof t.name === 'string') : [];
  const choice = isObject(body.tool_choice) ? body.tool_choice : { type: 'auto' };
  if (tools.length === 0 || choice.type === 'none') return undefined;
  if (choice.type === 'tool') {
    const forced = tools.find((t) => t.name === choice.name);
    if (!forced) throw invalidRequest(`tool_choice: tool '${String(choice.name)}' not found in tools`, 'tool_choice');
    return { name: String(forced.name), parameters: forced.input_schema };
  }
  // After a tool result the model answers in text unless a call is forced, so agent loops end.
  if (choice.type !== 'any' && hasToolResult(messages[messages.length - 1])) return undefined;
  const first = tools[0] as Json;
  return { name: String(first.name), parameters: first.input_schema };
}

function validateCommon(body: Json): readonly unknown[] {
  if (typeof body.model !== 'string' || body.model === '') throw invalidRequest('model: Field required', 'model');
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw invalidRequest('messages: Field required', 'messages');
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) {
    throw invalidRequest('system: Input should be a valid string or a list of text blocks', 'system');
  }
  return body.messages;
}

export function countAnthropicInputTokens(body: Json): number {
  const messages = validateCommon(body);
  return countPromptTokens(messages, { system: body.system, tools: body.tools });
}

export function planMessage(body: Json, behaviour: ModelBehaviour): AnthropicMessagePlan {
  const messages = validateCommon(body);
  const maxTokens = body.max_tokens;
  if (maxTokens === undefined) throw invalidRequest('max_tokens: Field required', 'max_tokens');
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw invalidRequest('max_tokens: Input should be a valid integer greater than or equal to 1', 'max_tokens');
  }
  const model = body.model as string;
  const prompt = promptOf(messages);
  const voice = answeringModel(behaviour, model, prompt);
  const tool = chosenTool(body, messages);
  let content: AnthropicContentPlan;
  if (tool) {
    const call = generateToolCall(voice, prompt, tool);
    content = { kind: 'tool_use', toolUseId: nextId('toolu_'), name: call.name, argumentsJson: call.argumentsJson, tokens: call.tokens };
  } else {
    const answer = generateAnswer({ model: voice, prompt, choiceIndex: 0, format: { type: 'text' }, maxTokens, reply: behaviour.reply, invalidJson: false });
    content = { kind: 'text', text: answer.text, tokens: answer.tokens, truncated: answer.truncated };
  }
  return { model, stream: body.stream === true, content, inputTokens: countPromptTokens(messages, { system: body.system, tools: body.tools }) };
}

function stopReasonOf(content: AnthropicContentPlan): 'end_turn' | 'max_tokens' | 'tool_use' {
  if (content.kind === 'tool_use') return 'tool_use';
  return content.truncated ? 'max_tokens' : 'end_turn';
}

function usageOf(plan: AnthropicMessagePlan, outputTokens: number): Json {
  return { input_tokens: plan.inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: outputTokens, service_tier: 'standard' };
}

export function renderMessage(plan: AnthropicMessagePlan, id: string): string {
  const c = plan.content;
  return JSON.stringify({
    id,
    type: 'message',
    role: 'assistant',
    model: plan.model,
    content:
      c.kind === 'text'
        ? [{ type: 'text', text: c.text }]
        : [{ type: 'tool_use', id: c.toolUseId, name: c.name, input: JSON.parse(c.argumentsJson) as unknown }],
    stop_reason: stopReasonOf(c),
    stop_sequence: null,
    usage: usageOf(plan, c.tokens),
  });
}

function event(type: string, data: Json, tokens = 0): StreamFrame {
  return { text: `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`, tokens };
}

/** The SSE event sequence of a streamed message, in the documented order. */
export function renderMessageStream(plan: AnthropicMessagePlan, id: string): StreamFrame[] {
  const c = plan.content;
  const frames: StreamFrame[] = [
    event('message_start', {
      message: { id, type: 'message', role: 'assistant', model: plan.model, content: [], stop_reason: null, stop_sequence: null, usage: usageOf(plan, 1) },
    }),
  ];
  if (c.kind === 'text') {
    frames.push(event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }), event('ping', {}));
    for (const piece of streamPieces(c.text)) frames.push(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } }, countTextTokens(piece)));
  } else {
    frames.push(event('content_block_start', { index: 0, content_block: { type: 'tool_use', id: c.toolUseId, name: c.name, input: {} } }), event('ping', {}));
    for (const piece of jsonPieces(c.argumentsJson)) {
      frames.push(event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: piece } }, countTextTokens(piece)));
    }
  }
  frames.push(
    event('content_block_stop', { index: 0 }),
    event('message_delta', { delta: { stop_reason: stopReasonOf(c), stop_sequence: null }, usage: { output_tokens: c.tokens } }),
    event('message_stop', {}),
  );
  return frames;
}

export function renderAnthropicModelList(models: readonly string[]): string {
  return JSON.stringify({
    data: models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2024-01-01T00:00:00Z' })),
    has_more: false,
    first_id: models[0] ?? null,
    last_id: models[models.length - 1] ?? null,
  });
}

const ERROR_TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

export function renderAnthropicError(error: MockProviderError): string {
  const type = ERROR_TYPE_BY_STATUS[error.status] ?? (error.status >= 500 ? 'api_error' : 'invalid_request_error');
  return JSON.stringify({ type: 'error', error: { type, message: error.message } });
}
