// OpenAI wire format for the mock provider: reads /v1/chat/completions and /v1/embeddings request
// bodies, renders chat.completion / chat.completion.chunk / embedding / model-list / error JSON.
// Pure (no I/O): mock-server.ts owns sockets, pacing and fault injection.
import { type AnswerFormat, generateAnswer, generateToolCall, jsonPieces, streamPieces } from './answer-generator';
import { embeddingBase64, embeddingVector } from './embedding-vector';
import { answeringModel, type ModelBehaviour } from './mock-config';
import { invalidRequest, type MockProviderError } from './mock-provider-error';
import { nextId } from './response-ids';
import type { StreamFrame } from './stream-frame';
import { contentText, countPromptTokens, countTextTokens } from './token-count';

type Json = Record<string, unknown>;

const SYSTEM_FINGERPRINT = 'fp_mock';
const DEFAULT_EMBEDDING_DIMENSIONS = 8; // small on purpose: fixtures and snapshots stay readable
const MAX_CHOICES = 128; // OpenAI's own limit for n

export type OpenAIChoicePlan =
  | { readonly kind: 'text'; readonly text: string; readonly tokens: number; readonly finishReason: 'stop' | 'length' }
  | { readonly kind: 'tool_call'; readonly callId: string; readonly name: string; readonly argumentsJson: string; readonly tokens: number };

export interface OpenAIChatPlan {
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly choices: readonly OpenAIChoicePlan[];
  readonly promptTokens: number;
  readonly completionTokens: number;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The text the answer is keyed on: the last user message, else the last message of any role. */
function promptOf(messages: readonly unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (isObject(m) && m.role === 'user') return contentText(m.content);
  }
  const last = messages[messages.length - 1];
  return isObject(last) ? contentText(last.content) : '';
}

function answerFormat(responseFormat: unknown): AnswerFormat {
  if (!isObject(responseFormat) || responseFormat.type === 'text' || responseFormat.type === undefined) return { type: 'text' };
  if (responseFormat.type === 'json_object') return { type: 'json_object' };
  if (responseFormat.type === 'json_schema') {
    const spec = responseFormat.json_schema;
    if (!isObject(spec) || typeof spec.name !== 'string') throw invalidRequest("Missing required parameter: 'response_format.json_schema.name'.", 'response_format.json_schema.name');
    return { type: 'json_schema', schema: spec.schema ?? { type: 'object' } };
  }
  throw invalidRequest(`Invalid value: '${String(responseFormat.type)}'. Supported values are: 'text', 'json_object' and 'json_schema'.`, 'response_format.type');
}

/** The function the model calls, or undefined for a text answer. */
function chosenTool(body: Json, messages: readonly unknown[]): { name: string; parameters: unknown } | undefined {
  const tools = Array.isArray(body.tools) ? body.tools.filter((t): t is Json => isObject(t) && t.type === 'function' && isObject(t.function)) : [];
  const choice = body.tool_choice;
  if (tools.length === 0 || choice === 'none') return undefined;
  const functionOf = (tool: Json) => tool.function as Json;
  if (isObject(choice) && isObject(choice.function)) {
    const forced = tools.find((t) => functionOf(t).name === (choice.function as Json).name);
    if (!forced) throw invalidRequest(`Invalid value for 'tool_choice': function '${String((choice.function as Json).name)}' is not in 'tools'.`, 'tool_choice');
    return { name: String(functionOf(forced).name), parameters: functionOf(forced).parameters };
  }
  // After a tool result the model answers in text unless a call is forced, so agent loops end.
  const last = messages[messages.length - 1];
  if (choice !== 'required' && isObject(last) && last.role === 'tool') return undefined;
  const first = functionOf(tools[0] as Json);
  return { name: String(first.name), parameters: first.parameters };
}

export function planChatCompletion(body: Json, behaviour: ModelBehaviour): OpenAIChatPlan {
  if (typeof body.model !== 'string' || body.model === '') throw invalidRequest("Missing required parameter: 'model'.", 'model');
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw invalidRequest("Missing required parameter: 'messages'.", 'messages');
  const n = body.n ?? 1;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_CHOICES) throw invalidRequest(`Invalid 'n': must be an integer between 1 and ${MAX_CHOICES}.`, 'n');
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null && (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1)) {
    throw invalidRequest("Invalid 'max_tokens': must be a positive integer.", body.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens');
  }
  const model = body.model;
  const prompt = promptOf(messages);
  const voice = answeringModel(behaviour, model, prompt);
  const format = answerFormat(body.response_format);
  const tool = chosenTool(body, messages);

  const choices: OpenAIChoicePlan[] = [];
  let completionTokens = 0;
  for (let index = 0; index < n; index++) {
    if (tool) {
      const call = generateToolCall(voice, prompt, tool);
      choices.push({ kind: 'tool_call', callId: nextId('call_'), name: call.name, argumentsJson: call.argumentsJson, tokens: call.tokens });
      completionTokens += call.tokens;
    } else {
      const answer = generateAnswer({
        model: voice,
        prompt,
        choiceIndex: index,
        format,
        maxTokens: maxTokens ?? undefined,
        reply: behaviour.reply,
        invalidJson: behaviour.invalidJson,
      });
      choices.push({ kind: 'text', text: answer.text, tokens: answer.tokens, finishReason: answer.truncated ? 'length' : 'stop' });
      completionTokens += answer.tokens;
    }
  }
  const streamOptions = isObject(body.stream_options) ? body.stream_options : undefined;
  return {
    model,
    stream: body.stream === true,
    // Some OpenAI-compatible servers ignore include_usage; omitStreamUsage plays one.
    includeUsage: streamOptions?.include_usage === true && !behaviour.omitStreamUsage,
    choices,
    promptTokens: countPromptTokens(messages, { tools: body.tools }),
    completionTokens,
  };
}

function usageOf(plan: OpenAIChatPlan): Json {
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: plan.completionTokens,
    total_tokens: plan.promptTokens + plan.completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

export function renderChatCompletion(plan: OpenAIChatPlan, id: string, created: number): string {
  return JSON.stringify({
    id,
    object: 'chat.completion',
    created,
    model: plan.model,
    choices: plan.choices.map((choice, index) => ({
      index,
      message:
        choice.kind === 'text'
          ? { role: 'assistant', content: choice.text, refusal: null, annotations: [] }
          : {
              role: 'assistant',
              content: null,
              refusal: null,
              annotations: [],
              tool_calls: [{ id: choice.callId, type: 'function', function: { name: choice.name, arguments: choice.argumentsJson } }],
            },
      logprobs: null,
      finish_reason: choice.kind === 'text' ? choice.finishReason : 'tool_calls',
    })),
    usage: usageOf(plan),
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
  });
}

/** SSE frames of a streamed chat completion, `data: [DONE]` included. */
export function renderChatCompletionStream(plan: OpenAIChatPlan, id: string, created: number): StreamFrame[] {
  // Every chunk shares this envelope; building it once keeps the per-token cost to one small stringify.
  const head = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(plan.model)},"service_tier":"default","system_fingerprint":"${SYSTEM_FINGERPRINT}","choices":[`;
  const tail = plan.includeUsage ? '],"usage":null}\n\n' : ']}\n\n';
  const frame = (index: number, delta: Json, finishReason: string | null, tokens = 0): StreamFrame => ({
    text: `${head}${JSON.stringify({ index, delta, logprobs: null, finish_reason: finishReason })}${tail}`,
    tokens,
  });

  const frames: StreamFrame[] = [];
  plan.choices.forEach((choice, index) => {
    if (choice.kind === 'text') {
      frames.push(frame(index, { role: 'assistant', content: '', refusal: null }, null));
      for (const piece of streamPieces(choice.text)) frames.push(frame(index, { content: piece }, null, countTextTokens(piece)));
      frames.push(frame(index, {}, choice.finishReason));
    } else {
      frames.push(
        frame(index, { role: 'assistant', content: null, refusal: null, tool_calls: [{ index: 0, id: choice.callId, type: 'function', function: { name: choice.name, arguments: '' } }] }, null, 1),
      );
      for (const piece of jsonPieces(choice.argumentsJson)) frames.push(frame(index, { tool_calls: [{ index: 0, function: { arguments: piece } }] }, null, countTextTokens(piece)));
      frames.push(frame(index, {}, 'tool_calls'));
    }
  });
  if (plan.includeUsage) {
    frames.push({ text: `${head}],"usage":${JSON.stringify(usageOf(plan))}}\n\n`, tokens: 0 });
  }
  frames.push({ text: 'data: [DONE]\n\n', tokens: 0 });
  return frames;
}

export interface OpenAIEmbeddingPlan {
  readonly model: string;
  readonly inputs: readonly string[];
  readonly dimensions: number;
  readonly encoding: 'float' | 'base64';
  readonly promptTokens: number;
}

export function planEmbeddings(body: Json): OpenAIEmbeddingPlan {
  if (typeof body.model !== 'string' || body.model === '') throw invalidRequest("Missing required parameter: 'model'.", 'model');
  const input = body.input;
  let inputs: string[];
  if (typeof input === 'string') inputs = [input];
  else if (Array.isArray(input) && input.length > 0 && input.every((i) => typeof i === 'string')) inputs = input as string[];
  // Token-id input (number[] or number[][]) is embedded by its ids' text.
  else if (Array.isArray(input) && input.length > 0 && input.every((i) => typeof i === 'number')) inputs = [input.join(' ')];
  else if (Array.isArray(input) && input.length > 0 && input.every((i) => Array.isArray(i))) inputs = (input as unknown[][]).map((i) => i.join(' '));
  else throw invalidRequest("Invalid 'input': expected a string, an array of strings or an array of token arrays.", 'input');
  const dimensions = body.dimensions ?? DEFAULT_EMBEDDING_DIMENSIONS;
  if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > 4096) {
    throw invalidRequest("Invalid 'dimensions': must be an integer between 1 and 4096.", 'dimensions');
  }
  const encoding = body.encoding_format ?? 'float';
  if (encoding !== 'float' && encoding !== 'base64') throw invalidRequest("Invalid 'encoding_format': expected 'float' or 'base64'.", 'encoding_format');
  let promptTokens = 0;
  for (const text of inputs) promptTokens += countTextTokens(text);
  return { model: body.model, inputs, dimensions, encoding, promptTokens };
}

export function renderEmbeddings(plan: OpenAIEmbeddingPlan): string {
  return JSON.stringify({
    object: 'list',
    data: plan.inputs.map((text, index) => {
      const vector = embeddingVector(plan.model, text, plan.dimensions);
      return { object: 'embedding', index, embedding: plan.encoding === 'base64' ? embeddingBase64(vector) : Array.from(vector) };
    }),
    model: plan.model,
    usage: { prompt_tokens: plan.promptTokens, total_tokens: plan.promptTokens },
  });
}

// A fixed date keeps the model list byte-identical across runs.
const MODELS_CREATED = 1_700_000_000;

export function renderOpenAIModelList(models: readonly string[]): string {
  return JSON.stringify({
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created: MODELS_CREATED, owned_by: 'assay-mock' })),
  });
}

const ERROR_TYPE_BY_STATUS: Record<number, string> = { 429: 'requests', 500: 'server_error', 502: 'server_error', 503: 'server_error' };

export function renderOpenAIError(error: MockProviderError): string {
  const code = error.reason === 'invalid_api_key' ? 'invalid_api_key' : error.reason === 'rate_limited' ? 'rate_limit_exceeded' : null;
  const type = ERROR_TYPE_BY_STATUS[error.status] ?? (error.status >= 500 ? 'server_error' : 'invalid_request_error');
  return JSON.stringify({ error: { message: error.message, type, param: error.param, code } });
}
