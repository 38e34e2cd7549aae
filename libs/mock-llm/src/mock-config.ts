// The mock provider's behaviour as typed, validated data. Parsed once per change (start-up,
// setConfig, PUT /_mock/config) and resolved per model into a frozen `ModelBehaviour`, so the
// request path only does a Map lookup. Never read from process.env here.
import { z } from 'zod';

const modelBehaviourFields = {
  /** Delay before the first byte (non-stream) or first token (stream). */
  ttftMs: z.number().int().min(0),
  /** Stream pacing, and generation time of non-stream answers; 0 = as fast as possible. */
  tokensPerSecond: z.number().min(0),
  /** Fraction of requests (0..1) that fail with errorStatus, spread evenly and deterministically. */
  errorRate: z.number().min(0).max(1),
  errorStatus: z.number().int().min(400).max(599),
  /** Every Nth request answers 429 with Retry-After. */
  rateLimit: z.object({ everyNth: z.number().int().min(1).optional(), retryAfterSeconds: z.number().min(0) }).strict(),
  /** The first N requests to the model fail with errorStatus. */
  failFirst: z.number().int().min(0),
  /** Accept the request and never answer until the client goes away. */
  hang: z.boolean(),
  /** Streams never carry usage, even when asked (like OpenAI-compatible servers that ignore include_usage). */
  omitStreamUsage: z.boolean(),
  /** Streams break off (the connection drops) after this many frames, like a provider failing mid-answer. */
  failMidStream: z.number().int().min(1),
  /** When set, the bearer token / x-api-key must equal it, else 401. */
  requireApiKey: z.string(),
  /** A fixed answer text instead of the generated one. */
  reply: z.string(),
  /** For JSON response formats: true/'malformed' = broken JSON syntax, 'schema_violation' = parses but breaks the schema. */
  invalidJson: z.union([z.boolean(), z.enum(['malformed', 'schema_violation'])]),
  /**
   * Answer exactly as another model would (optionally only for prompts containing a marker), so a
   * parity test can make a cheap model match the baseline on one prompt type and not on another.
   */
  answerAs: z.object({ model: z.string().min(1), whenPromptContains: z.string().min(1).optional() }).strict(),
};

export const modelBehaviourSchema = z.object(modelBehaviourFields).partial().strict();

export const mockConfigSchema = modelBehaviourSchema
  .extend({
    /** Per-model overrides; "*" applies to every model before its own entry. */
    models: z.record(z.string(), modelBehaviourSchema).optional(),
  })
  .strict();

export type ModelBehaviourOverrides = z.infer<typeof modelBehaviourSchema>;
export type MockConfig = z.infer<typeof mockConfigSchema>;

export interface ModelBehaviour {
  readonly ttftMs: number;
  readonly tokensPerSecond: number;
  readonly errorRate: number;
  readonly errorStatus: number;
  readonly rateLimit?: { readonly everyNth?: number; readonly retryAfterSeconds: number };
  readonly failFirst: number;
  readonly hang: boolean;
  /** 0: streams run to the end. */
  readonly failMidStream: number;
  readonly omitStreamUsage: boolean;
  readonly requireApiKey?: string;
  readonly reply?: string;
  readonly invalidJson: false | 'malformed' | 'schema_violation';
  readonly answerAs?: { readonly model: string; readonly whenPromptContains?: string };
}

/** The model whose answers this one gives for a prompt: itself unless answerAs says otherwise. */
export function answeringModel(behaviour: ModelBehaviour, model: string, prompt: string): string {
  const as = behaviour.answerAs;
  if (!as) return model;
  return as.whenPromptContains === undefined || prompt.includes(as.whenPromptContains) ? as.model : model;
}

const BUILT_IN_DEFAULTS: ModelBehaviour = Object.freeze({
  ttftMs: 0,
  tokensPerSecond: 0,
  errorRate: 0,
  errorStatus: 500,
  failFirst: 0,
  hang: false,
  failMidStream: 0,
  omitStreamUsage: false,
  invalidJson: false,
});

export class MockConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid mock config: ${issues.join('; ')}`);
    this.name = 'MockConfigError';
  }
}

export function parseMockConfig(input: unknown): MockConfig {
  const result = mockConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    throw new MockConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return result.data;
}

function applyOverrides(base: ModelBehaviour, overrides: ModelBehaviourOverrides | undefined): ModelBehaviour {
  if (!overrides) return base;
  const { invalidJson, ...rest } = overrides;
  const merged: ModelBehaviour = { ...base, ...rest };
  if (invalidJson === undefined) return merged;
  return { ...merged, invalidJson: invalidJson === true ? 'malformed' : invalidJson };
}

/** Resolves and caches each model's effective behaviour: built-in defaults < top level < "*" < model. */
export class BehaviourResolver {
  private readonly cache = new Map<string, ModelBehaviour>();
  private readonly wildcard: ModelBehaviour;

  constructor(readonly config: MockConfig) {
    const { models: _models, ...topLevel } = config;
    this.wildcard = Object.freeze(applyOverrides(applyOverrides(BUILT_IN_DEFAULTS, topLevel), config.models?.['*']));
  }

  forModel(model: string): ModelBehaviour {
    let behaviour = this.cache.get(model);
    if (!behaviour) {
      behaviour = Object.freeze(applyOverrides(this.wildcard, this.config.models?.[model]));
      // Model names come from clients; bound the cache so a fuzzing client cannot grow it forever.
      if (this.cache.size < 1000) this.cache.set(model, behaviour);
    }
    return behaviour;
  }

  /** Models named in the config (not "*"). */
  configuredModels(): string[] {
    return Object.keys(this.config.models ?? {}).filter((m) => m !== '*');
  }
}
