// Decides what the mock model "says": text, JSON or a tool call, independent of wire protocol.
// Deterministic: the answer is a pure function of (model, prompt, choice index, format), so a
// repeated request gets the same answer and parity/caching tests can rely on it.
import { jsonSchemaInstance } from './json-schema-instance';
import { stableHash } from './stable-hash';
import { countTextTokens, truncateToTokens } from './token-count';

export type AnswerFormat = { readonly type: 'text' } | { readonly type: 'json_object' } | { readonly type: 'json_schema'; readonly schema: unknown };

export interface AnswerRequest {
  readonly model: string;
  readonly prompt: string;
  readonly choiceIndex: number;
  readonly format: AnswerFormat;
  readonly maxTokens?: number;
  readonly reply?: string;
  readonly invalidJson: false | 'malformed' | 'schema_violation';
}

export interface TextAnswer {
  readonly text: string;
  readonly tokens: number;
  /** True when maxTokens cut the answer short ("length" / "max_tokens"). */
  readonly truncated: boolean;
}

export interface ToolCallAnswer {
  readonly name: string;
  readonly argumentsJson: string;
  readonly tokens: number;
}

const SENTENCES = [
  'The quick answer is that it depends on the constraints you care about most.',
  'In most cases the simplest approach is also the most reliable one.',
  'Start by measuring the current behaviour before changing anything.',
  'A small, well-defined experiment will tell you more than a long debate.',
  'Keep the interface narrow so that each part can be tested on its own.',
  'Caching helps when the same question is asked many times.',
  'Latency and cost usually trade off against each other.',
  'It is worth writing down the assumptions so they can be checked later.',
  'Retries should be bounded and spaced out to avoid making an outage worse.',
  'The data suggests a modest improvement rather than a dramatic one.',
  'Clear names make the code easier to read than any comment could.',
  'When in doubt, prefer the option that is easiest to undo.',
  'Consistency across services matters more than any single clever trick.',
  'A deterministic test is worth more than ten flaky ones.',
  'The second option is cheaper, and the quality difference is within noise.',
  'Here is a short summary of the main points.',
];

// Memoised because benchmarks send the same few prompts millions of times; bounded to stay lean.
const textCache = new Map<string, string>();
const TEXT_CACHE_LIMIT = 5000;

export function generatedText(model: string, prompt: string, choiceIndex: number): string {
  const key = `${model}\u0000${choiceIndex}\u0000${prompt}`;
  const cached = textCache.get(key);
  if (cached !== undefined) return cached;
  const hash = stableHash(key);
  const count = 2 + (hash % 3);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(SENTENCES[(hash >>> (i * 4 + 2)) % SENTENCES.length] ?? SENTENCES[0]);
  const text = parts.join(' ');
  if (textCache.size >= TEXT_CACHE_LIMIT) textCache.clear();
  textCache.set(key, text);
  return text;
}

function breakJson(validJson: string, schema: unknown, value: unknown, mode: 'malformed' | 'schema_violation'): string {
  if (mode === 'malformed' || schema === undefined) return validJson.slice(0, -1); // drops the closing brace
  const required = (schema as { required?: unknown }).required;
  if (value && typeof value === 'object' && !Array.isArray(value) && Array.isArray(required) && required.length > 0) {
    const copy = { ...(value as Record<string, unknown>) };
    delete copy[String(required[0])];
    return JSON.stringify(copy);
  }
  return typeof value === 'string' ? '12345' : '"not what the schema asked for"';
}

export function generateAnswer(request: AnswerRequest): TextAnswer {
  const seed = `${request.model}\u0000${request.choiceIndex}\u0000${request.prompt}`;
  let text: string;
  if (request.reply !== undefined) {
    text = request.reply;
  } else if (request.format.type === 'json_schema') {
    const value = jsonSchemaInstance(request.format.schema, seed);
    text = JSON.stringify(value);
    if (request.invalidJson) text = breakJson(text, request.format.schema, value, request.invalidJson);
  } else if (request.format.type === 'json_object') {
    text = JSON.stringify({ answer: generatedText(request.model, request.prompt, request.choiceIndex) });
    if (request.invalidJson) text = breakJson(text, undefined, undefined, 'malformed');
  } else {
    text = generatedText(request.model, request.prompt, request.choiceIndex);
  }
  const tokens = countTextTokens(text);
  if (request.maxTokens !== undefined && tokens > request.maxTokens) {
    const cut = truncateToTokens(text, request.maxTokens);
    return { text: cut, tokens: request.maxTokens, truncated: true };
  }
  return { text, tokens, truncated: false };
}

export function generateToolCall(model: string, prompt: string, tool: { name: string; parameters: unknown }): ToolCallAnswer {
  const argumentsJson = JSON.stringify(jsonSchemaInstance(tool.parameters ?? { type: 'object' }, `${model}\u0000${tool.name}\u0000${prompt}`));
  return { name: tool.name, argumentsJson, tokens: countTextTokens(tool.name) + countTextTokens(argumentsJson) };
}

/** Splits text into word-sized stream deltas ("Hello", " world", "."), keeping whitespace attached. */
export function streamPieces(text: string): string[] {
  const pieces = text.match(/\s*\S+/g) ?? [];
  if (pieces.length === 0) return text ? [text] : [];
  const trailing = text.length - pieces.join('').length;
  if (trailing > 0) pieces[pieces.length - 1] += text.slice(text.length - trailing);
  return pieces;
}

/** Splits a JSON string into fixed-size fragments, as providers stream tool arguments. */
export function jsonPieces(json: string, size = 12): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < json.length; i += size) pieces.push(json.slice(i, i + size));
  return pieces;
}
