// Checks the parts of an OpenAI chat-completions body that Assay itself depends on, and answers
// a bad one with the same error OpenAI gives. Everything else passes through untouched for the
// provider to judge.
import { AssayError } from '@assay/platform';

export interface ValidChatBody {
  model: string;
  stream: boolean;
  body: Record<string, unknown>;
}

export function validateChatBody(body: unknown): ValidChatBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw AssayError.invalidRequest('The request body must be a JSON object.');
  }
  const b = body as Record<string, unknown>;
  if (b.model === undefined) throw AssayError.invalidRequest('you must provide a model parameter', 'model', 'missing_required_parameter');
  if (typeof b.model !== 'string' || b.model.length === 0) {
    throw AssayError.invalidRequest(`Invalid type for 'model': expected a string, but got ${describe(b.model)} instead.`, 'model', 'invalid_type');
  }
  if (b.messages === undefined) throw AssayError.invalidRequest("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(b.messages)) {
    throw AssayError.invalidRequest(`Invalid type for 'messages': expected an array, but got ${describe(b.messages)} instead.`, 'messages', 'invalid_type');
  }
  if (b.messages.length === 0) {
    throw AssayError.invalidRequest("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages', 'empty_array');
  }
  b.messages.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || typeof (m as { role?: unknown }).role !== 'string') {
      throw AssayError.invalidRequest(`Missing required parameter: 'messages[${i}].role'.`, `messages[${i}].role`, 'missing_required_parameter');
    }
  });
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean') {
    throw AssayError.invalidRequest(`Invalid type for 'stream': expected a boolean, but got ${describe(b.stream)} instead.`, 'stream', 'invalid_type');
  }
  return { model: b.model, stream: b.stream === true, body: b };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export interface ValidEmbeddingsBody {
  model: string;
  body: Record<string, unknown>;
}

/** Checks an OpenAI embeddings body the way OpenAI does: a model and a non-empty input. */
export function validateEmbeddingsBody(body: unknown): ValidEmbeddingsBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw AssayError.invalidRequest('The request body must be a JSON object.');
  const b = body as Record<string, unknown>;
  if (b.model === undefined) throw AssayError.invalidRequest('you must provide a model parameter', 'model', 'missing_required_parameter');
  if (typeof b.model !== 'string' || b.model.length === 0) {
    throw AssayError.invalidRequest(`Invalid type for 'model': expected a string, but got ${describe(b.model)} instead.`, 'model', 'invalid_type');
  }
  if (b.input === undefined) throw AssayError.invalidRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  const input = b.input;
  const valid =
    (typeof input === 'string' && input.length > 0) ||
    (Array.isArray(input) && input.length > 0 && input.every((i) => (typeof i === 'string' && i.length > 0) || typeof i === 'number' || (Array.isArray(i) && i.length > 0 && i.every((t) => typeof t === 'number'))));
  if (!valid) throw AssayError.invalidRequest("'input' must be a non-empty string, array of strings, or array of token arrays.", 'input', 'invalid_value');
  return { model: b.model, body: b };
}
