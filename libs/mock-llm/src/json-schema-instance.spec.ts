import { z } from 'zod';
import { jsonSchemaInstance } from './json-schema-instance';

describe('jsonSchemaInstance', () => {
  it('produces a value that a zod schema with nested objects, arrays, enums and formats accepts', () => {
    const schema = z.object({
      id: z.uuid(),
      title: z.string().min(20).max(40),
      status: z.enum(['open', 'closed']),
      createdAt: z.iso.datetime(),
      score: z.number().min(0.5).max(0.9),
      retries: z.int().min(3).max(5),
      tags: z.array(z.string()).min(3),
      owner: z.object({ email: z.email(), active: z.boolean() }),
      note: z.string().nullable(),
      kind: z.literal('ticket'),
      extra: z.union([z.object({ a: z.number() }), z.string()]),
    });
    const value = jsonSchemaInstance(z.toJSONSchema(schema), 'seed');
    expect(schema.safeParse(value).error).toBeUndefined();
  });

  it('returns the same instance for the same seed and schema', () => {
    const schema = { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] };
    expect(jsonSchemaInstance(schema, 'a')).toEqual(jsonSchemaInstance(schema, 'a'));
  });

  it('follows local $refs and stops expanding recursive schemas', () => {
    const schema = {
      type: 'object',
      properties: { root: { $ref: '#/$defs/node' } },
      required: ['root'],
      $defs: { node: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } }, required: ['name'] } },
    };
    const value = jsonSchemaInstance(schema) as { root: { name: string; children: unknown[] } };
    expect(typeof value.root.name).toBe('string');
    expect(Array.isArray(value.root.children)).toBe(true);
  });

  it('keeps unique array items unique and respects exclusive bounds', () => {
    const schema = z.object({
      ids: z.array(z.int()).min(4).refine((a) => new Set(a).size === a.length),
      ratio: z.number().gt(0).lt(1),
    });
    const json = z.toJSONSchema(schema);
    expect(schema.safeParse(jsonSchemaInstance(json)).error).toBeUndefined();
  });
});
