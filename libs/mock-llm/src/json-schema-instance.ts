// Builds a deterministic value that is valid against a JSON Schema, for structured outputs and
// tool-call arguments. Covers the subset OpenAI structured outputs and tool schemas use (objects,
// arrays, scalars, enum/const, anyOf/oneOf/allOf, nullable type arrays, local $ref). Does not
// attempt `pattern`, `not`, if/then/else or remote refs: such schemas get a best-effort value.
import { seededRandom, stableHash } from './stable-hash';

type Schema = Record<string, unknown>;

// Recursive schemas (a tree node with children) stop expanding optional parts below this depth.
const MAX_DEPTH = 6;
const WORDS = ['alpha', 'bravo', 'cedar', 'delta', 'ember', 'fjord', 'garnet', 'harbor', 'indigo', 'juniper'];

interface Context {
  readonly root: Schema;
  readonly random: () => number;
}

export function jsonSchemaInstance(schema: unknown, seed = 'seed'): unknown {
  const root = isSchema(schema) ? schema : {};
  return instanceOf(root, { root, random: seededRandom(stableHash(seed)) }, 0, 0);
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolveRef(ref: string, root: Schema): Schema {
  if (!ref.startsWith('#')) return {};
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = isSchema(node) ? node[key] : undefined;
  }
  return isSchema(node) ? node : {};
}

function mergeAllOf(schema: Schema, ctx: Context): Schema {
  const parts = (schema.allOf as unknown[]).filter(isSchema).map((s) => (typeof s.$ref === 'string' ? resolveRef(s.$ref, ctx.root) : s));
  const { allOf: _allOf, ...rest } = schema;
  const merged: Schema = { ...rest };
  const properties: Schema = { ...((rest.properties as Schema) ?? {}) };
  const required = new Set<string>((rest.required as string[]) ?? []);
  for (const part of parts) {
    Object.assign(merged, part);
    Object.assign(properties, (part.properties as Schema) ?? {});
    for (const r of (part.required as string[]) ?? []) required.add(r);
  }
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.size > 0) merged.required = [...required];
  delete merged.allOf;
  return merged;
}

function instanceOf(input: Schema, ctx: Context, depth: number, variant: number): unknown {
  let schema = input;
  if (typeof schema.$ref === 'string') schema = { ...resolveRef(schema.$ref, ctx.root), ...withoutKey(schema, '$ref') };
  if (Array.isArray(schema.allOf)) schema = mergeAllOf(schema, ctx);
  if ('const' in schema) return schema.const;
  // The seed picks the label, so different models (and prompts) answer classification schemas differently.
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[(variant + Math.floor(ctx.random() * schema.enum.length)) % schema.enum.length];
  const branches = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(branches) && branches.length > 0) {
    // Prefer the first non-null branch: a nullable field with a real value is the more useful test.
    const branch = branches.filter(isSchema).find((b) => b.type !== 'null') ?? branches[0];
    return instanceOf({ ...withoutKey(withoutKey(schema, 'anyOf'), 'oneOf'), ...(branch as Schema) }, ctx, depth, variant);
  }

  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? 'null';
  if (type === undefined) type = schema.properties ? 'object' : schema.items ? 'array' : 'string';

  switch (type) {
    case 'object':
      return objectInstance(schema, ctx, depth);
    case 'array':
      return arrayInstance(schema, ctx, depth);
    case 'string':
      return stringInstance(schema, ctx, variant);
    case 'integer':
    case 'number':
      return numberInstance(schema, type === 'integer', ctx, variant);
    case 'boolean':
      return variant % 2 === 0;
    case 'null':
      return null;
    default:
      return {};
  }
}

function withoutKey(schema: Schema, key: string): Schema {
  if (!(key in schema)) return schema;
  const copy = { ...schema };
  delete copy[key];
  return copy;
}

function objectInstance(schema: Schema, ctx: Context, depth: number): Record<string, unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const result: Record<string, unknown> = {};
  for (const [key, propertySchema] of Object.entries(properties)) {
    if (depth >= MAX_DEPTH && !required.has(key)) continue;
    result[key] = instanceOf(isSchema(propertySchema) ? propertySchema : {}, ctx, depth + 1, 0);
  }
  // Required names without a property schema (allowed by JSON Schema) still need a value.
  for (const key of required) if (!(key in result)) result[key] = WORDS[0];
  const minProperties = typeof schema.minProperties === 'number' ? schema.minProperties : 0;
  for (let i = Object.keys(result).length; i < minProperties; i++) result[`extra_${i}`] = WORDS[i % WORDS.length];
  return result;
}

function arrayInstance(schema: Schema, ctx: Context, depth: number): unknown[] {
  const prefixItems = Array.isArray(schema.prefixItems) ? schema.prefixItems.filter(isSchema) : [];
  const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
  const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity;
  // One item by default shows the item shape; none when deeply nested, to end recursion.
  const wanted = depth >= MAX_DEPTH ? minItems : Math.max(minItems, prefixItems.length, 1);
  const count = Math.min(wanted, maxItems);
  const items = isSchema(schema.items) ? schema.items : {};
  const result: unknown[] = [];
  // Each index gets its own variant so `uniqueItems` arrays of scalars stay unique.
  for (let i = 0; i < count; i++) result.push(instanceOf(prefixItems[i] ?? items, ctx, depth + 1, i));
  return result;
}

function stringInstance(schema: Schema, ctx: Context, variant: number): string {
  const format = schema.format;
  const day = String(1 + (variant % 28)).padStart(2, '0');
  let value: string;
  if (format === 'date-time') value = `2024-01-${day}T12:00:00Z`;
  else if (format === 'date') value = `2024-01-${day}`;
  else if (format === 'time') value = '12:00:00Z';
  else if (format === 'email') value = `user${variant}@example.com`;
  else if (format === 'uri' || format === 'url') value = `https://example.com/${variant}`;
  else if (format === 'uuid') value = `00000000-0000-4000-8000-${String(variant).padStart(12, '0')}`;
  else if (format === 'ipv4') value = `192.0.2.${variant % 255}`;
  else {
    const word = WORDS[Math.floor(ctx.random() * WORDS.length)];
    value = variant === 0 ? word : `${word}-${variant}`;
  }
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  while (value.length < minLength) value += 'x';
  return value.length > maxLength ? value.slice(0, maxLength) : value;
}

function numberInstance(schema: Schema, integer: boolean, ctx: Context, variant: number): number {
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  let low = num(schema.minimum) ?? -Infinity;
  let high = num(schema.maximum) ?? Infinity;
  const exclusiveMin = num(schema.exclusiveMinimum);
  const exclusiveMax = num(schema.exclusiveMaximum);
  // Fractional steps keep an exclusive bound exclusive for numbers; integers step by one.
  const step = integer ? 1 : 0.5;
  if (exclusiveMin !== undefined) low = Math.max(low, integer ? Math.floor(exclusiveMin) + 1 : exclusiveMin + step);
  if (exclusiveMax !== undefined) high = Math.min(high, integer ? Math.ceil(exclusiveMax) - 1 : exclusiveMax - step);
  if (integer) {
    low = Math.ceil(low);
    high = Math.floor(high);
  }
  // Within a bounded integer range the seed picks the value, like a model's own judgement would.
  const base =
    integer && Number.isFinite(low) && Number.isFinite(high) && high - low < 1000
      ? low + Math.floor(ctx.random() * (high - low + 1))
      : Number.isFinite(low) ? low : Number.isFinite(high) ? Math.min(0, high) : integer ? 1 + Math.floor(ctx.random() * 100) : 1.5;
  let value = base + variant;
  if (value > high) value = Number.isFinite(low) ? low : high;
  const multipleOf = num(schema.multipleOf);
  if (multipleOf && multipleOf > 0) {
    const up = Math.ceil(value / multipleOf) * multipleOf;
    value = up <= high ? up : Math.floor(value / multipleOf) * multipleOf;
  }
  return value;
}
