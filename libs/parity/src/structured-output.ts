// Is an assistant message the structured output its request asked for? Runs on the gateway's hot
// path for every structured response of a promoted model (the format guarantee), so it is pure and
// synchronous, and compiles each distinct schema once into a bounded cache. It never throws on a
// body or answer it does not understand: it answers valid or invalid with a reason.
//
// A message is checked by what it carries: tool calls against the declared tools (whatever the
// response format), otherwise its content against the response format. A plain text answer to a
// request with tools is valid unless tool_choice is "required" or names a function.

import Ajv, { ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import safeRegex from 'safe-regex2';
import { canonicalJson } from './canonical-json';
import {
  AssistantMessage,
  ChatCompletionBody,
  ChatToolCall,
  contentText,
  declaredFunctions,
  JsonSchema,
  toolCallsOf,
} from './openai-chat-shapes';

export type StructuredOutputKind = 'json_schema' | 'json_object' | 'tools';

export type StructuredOutputValidity = { valid: true } | { valid: false; reason: string };

const VALID: StructuredOutputValidity = { valid: true };

function invalid(reason: string): StructuredOutputValidity {
  return { valid: false, reason };
}

/** What the request constrains, or null for free text. A response format wins over tools, since it constrains the content. */
export function structuredOutputKind(body: ChatCompletionBody): StructuredOutputKind | null {
  const format = body.response_format?.type;
  if (format === 'json_schema' || format === 'json_object') return format;
  if (declaredFunctions(body).size > 0 && body.tool_choice !== 'none') return 'tools';
  return null;
}

export function validateStructuredOutput(body: ChatCompletionBody, message: AssistantMessage): StructuredOutputValidity {
  const calls = toolCallsOf(message);
  if (calls.length > 0) return validateToolCalls(body, calls);
  if (declaredFunctions(body).size > 0 && forcedToolCall(body) !== undefined) {
    return invalid('the request requires a tool call and the answer made none');
  }
  const kind = structuredOutputKind(body);
  if (kind !== 'json_schema' && kind !== 'json_object') return VALID;

  const content = contentText(message.content);
  if (content.trim() === '') {
    return invalid(message.refusal ? `the model refused: ${clip(message.refusal)}` : 'the answer has no content');
  }
  const parsed = parseJson(content);
  if (!parsed.ok) return invalid('the content is not JSON');
  if (kind === 'json_object') return isJsonObject(parsed.value) ? VALID : invalid('the content is JSON but not an object');
  const schema = body.response_format?.json_schema?.schema;
  return schema === undefined ? VALID : checkAgainstSchema(schema, parsed.value, 'content');
}

/** undefined: no call is required; null: some call is; a name: a call of that function is. */
function forcedToolCall(body: ChatCompletionBody): string | null | undefined {
  const choice = body.tool_choice;
  if (choice === 'required') return null;
  if (typeof choice === 'object' && choice !== null && typeof choice.function?.name === 'string') return choice.function.name;
  return undefined;
}

function validateToolCalls(body: ChatCompletionBody, calls: ChatToolCall[]): StructuredOutputValidity {
  if (body.tool_choice === 'none') return invalid('the answer calls a tool although tool_choice is "none"');
  const declared = declaredFunctions(body);
  const forced = forcedToolCall(body);
  for (const call of calls) {
    const name = call?.function?.name;
    const tool = typeof name === 'string' ? declared.get(name) : undefined;
    if (tool === undefined) return invalid(`the answer calls an undeclared tool "${clip(String(name))}"`);
    if (typeof forced === 'string' && name !== forced) return invalid(`tool_choice requires "${forced}" but the answer calls "${name}"`);
    const parsed = parseJson(call.function?.arguments ?? '');
    if (!parsed.ok) return invalid(`the arguments of "${name}" are not JSON`);
    if (!isJsonObject(parsed.value)) return invalid(`the arguments of "${name}" are not a JSON object`);
    const parameters = tool.function?.parameters;
    if (parameters !== undefined) {
      const checked = checkAgainstSchema(parameters, parsed.value, `${name}.arguments`);
      if (!checked.valid) return checked;
    }
  }
  return VALID;
}

function checkAgainstSchema(schema: JsonSchema, value: unknown, what: string): StructuredOutputValidity {
  const validate = schemaValidators.validatorFor(schema);
  // A schema Ajv cannot compile (unknown draft, remote $ref, invalid pattern) cannot validate
  // anything: the output is then held only to parsing as JSON. Rejecting it instead would make
  // every answer to that request invalid and send all of its traffic back to the baseline.
  if (validate === null) return VALID;
  if (validate(value)) return VALID;
  return invalid(`schema mismatch: ${clip(schemaValidators.errorsText(validate, what))}`);
}

type ParsedJson = { ok: true; value: unknown } | { ok: false };

function parseJson(text: string): ParsedJson {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Schemas come from clients and their `pattern`s run on the gateway's request path: a pattern
 * with catastrophic backtracking (nested quantifiers, say) could stall a replica on one crafted
 * answer. Such patterns are not enforced — the answer is still held to the rest of its schema.
 */
function guardedRegExp(pattern: string, flags: string): { test: (text: string) => boolean } {
  const regExp = new RegExp(pattern, flags); // an invalid pattern throws: the schema cannot compile
  return safeRegex(regExp) ? regExp : { test: () => true };
}
guardedRegExp.code = 'new RegExp';

/**
 * Compiled JSON Schema validators keyed by canonical schema text, least recently used evicted.
 * Evicted schemas are also removed from Ajv, which otherwise keeps every schema it compiled.
 */
export class JsonSchemaValidators {
  private readonly byText = new Map<string, { schema: JsonSchema; validate: ValidateFunction | null }>();
  // strict: false because clients send schemas with keywords Ajv does not know (OpenAI's own
  // extensions, editor annotations); formats are not checked because no format vocabulary is
  // installed and a wrong date string is a content error the field comparison judges, not a shape
  // error. addUsedSchema: false so two tenants' schemas with the same $id do not collide.
  private readonly options = { strict: false, validateFormats: false, addUsedSchema: false, logger: false, code: { regExp: guardedRegExp } } as const;
  private readonly draft7 = new Ajv(this.options);
  private readonly draft2020 = new Ajv2020(this.options);

  constructor(private readonly maxEntries: number) {
    if (!(maxEntries >= 1)) throw new RangeError(`maxEntries must be at least 1, got ${maxEntries}`);
  }

  get size(): number {
    return this.byText.size;
  }

  /** The compiled validator, or null when Ajv cannot compile the schema. */
  validatorFor(schema: JsonSchema): ValidateFunction | null {
    const text = canonicalJson(schema);
    const cached = this.byText.get(text);
    if (cached !== undefined) {
      this.byText.delete(text);
      this.byText.set(text, cached);
      return cached.validate;
    }
    // Ajv keys its own cache by object identity: compile a private copy, so eviction can find it.
    const own = JSON.parse(text) as JsonSchema;
    const entry = { schema: own, validate: this.compile(own) };
    this.byText.set(text, entry);
    if (this.byText.size > this.maxEntries) this.evictOldest();
    return entry.validate;
  }

  errorsText(validate: ValidateFunction, dataVar: string): string {
    return this.draft7.errorsText(validate.errors, { dataVar });
  }

  private ajvFor(schema: JsonSchema): Ajv | Ajv2020 {
    const draft = typeof schema === 'object' ? schema.$schema : undefined;
    return typeof draft === 'string' && draft.includes('2020-12') ? this.draft2020 : this.draft7;
  }

  private compile(schema: JsonSchema): ValidateFunction | null {
    const ajv = this.ajvFor(schema);
    try {
      return ajv.compile(schema);
    } catch {
      if (typeof schema === 'object') ajv.removeSchema(schema);
      return null;
    }
  }

  private evictOldest(): void {
    const [text, entry] = this.byText.entries().next().value as [string, { schema: JsonSchema }];
    this.byText.delete(text);
    if (typeof entry.schema === 'object') this.ajvFor(entry.schema).removeSchema(entry.schema);
  }
}

/**
 * 500 distinct schemas: far more than the structured prompt types one gateway serves at once, and
 * a few megabytes of compiled code at most; a miss costs one compile of about a millisecond.
 */
const schemaValidators = new JsonSchemaValidators(500);
