// Assay's whole configuration as typed data, validated once at start-up. Nothing reads
// process.env after boot: loadConfig() is the only place that does.
import { z } from 'zod';

const address = z.string().regex(/^[^:]+:\d+$/, 'expected host:port');

export const ProviderConfigSchema = z.object({
  /** Wire family spoken by the provider. */
  kind: z.enum(['openai', 'openai-compatible', 'azure-openai', 'anthropic', 'gemini']),
  baseUrl: z.string().url(),
  /** Empty for local endpoints that need none (Ollama, vLLM, the mock provider). */
  apiKey: z.string().nullish().transform((v) => v ?? ''),
  /** Several keys for the same account(s): used in rotation, each cooling down on 429/401. */
  apiKeys: z.array(z.string().min(1)).optional(),
  /** Azure OpenAI's api-version; leave unset for Azure's /openai/v1 API. */
  apiVersion: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** The price-catalog vendor this provider is billed as (e.g. "openai" for an Azure deployment). */
  priceAs: z.string().optional(),
  /** Per-attempt timeout; why 60 s: long completions on slow models legitimately take this long. */
  timeoutMs: z.number().int().positive().default(60_000),
});

export const DeploymentConfigSchema = z.object({
  provider: z.string().min(1),
  /** The provider's own name for the model (Azure: the deployment name); defaults to the model's name. */
  upstreamModel: z.string().optional(),
  /** Share of traffic relative to the model's other deployments. */
  weight: z.number().positive().default(1),
});

export const ModelConfigSchema = z
  .object({
    /** The name clients ask for. */
    name: z.string().min(1),
    /** Shorthand for a single deployment. */
    provider: z.string().min(1).optional(),
    upstreamModel: z.string().optional(),
    deployments: z.array(DeploymentConfigSchema).optional(),
    /** Models tried in order when this one fails after its retries. */
    fallbacks: z.array(z.string()).default([]),
    /** Give up on this model (and fall back) when it has not started answering within this time. */
    latencyThresholdMs: z.number().int().positive().optional(),
  })
  .refine((m) => m.provider !== undefined || (m.deployments?.length ?? 0) > 0, { message: 'a model needs `provider` or `deployments`' });

export const ReliabilityConfigSchema = z.object({
  /** Calls to one model (first try plus retries) before its fallbacks are tried. */
  maxAttemptsPerModel: z.number().int().min(1).default(3),
  backoff: z
    .object({
      /** Why 200 ms: a throttled provider usually frees capacity within a few hundred ms. */
      baseMs: z.number().int().positive().default(200),
      maxMs: z.number().int().positive().default(8_000),
    })
    .default({ baseMs: 200, maxMs: 8_000 }),
  /** Overall deadline of a request when the client sets none; why 10 min: long reasoning calls. */
  requestTimeoutMs: z.number().int().positive().default(600_000),
  breaker: z
    .object({
      failureThreshold: z.number().int().min(1).default(5),
      /** Why 30 s: long enough for a provider incident to clear, short enough to notice recovery. */
      cooldownMs: z.number().int().positive().default(30_000),
    })
    .default({ failureThreshold: 5, cooldownMs: 30_000 }),
  /** How long a key rests after a 429 without Retry-After, or after a 401/403. */
  keyCooldownMs: z.number().int().positive().default(60_000),
});

/** One parity policy's settings; every field optional so tenant and prompt-type entries only say what differs. */
const ParityPolicyFieldsSchema = z
  .object({
    /** The model whose answers are the reference; default: the model each request asks for. */
    baseline: z.string().min(1),
    /** Cheaper models allowed to take over; tried cheapest first by catalog price. */
    candidates: z.array(z.string().min(1)),
    /** Non-inferiority margin δ on the win/tie/loss score scale. */
    margin: z.number().min(0).max(0.5),
    confidence: z.number().gt(0.5).lt(1),
    minComparisons: z.number().int().min(1),
    maxComparisons: z.number().int().min(1),
    sampleRateQualifying: z.number().min(0).max(1),
    sampleRateDecided: z.number().min(0).max(1),
    /** What replays and judge calls may cost per UTC day, USD as a decimal string. */
    evalBudgetUsdPerDay: z.string().regex(/^\d+(\.\d{1,12})?$/),
    judgeModel: z.string().min(1),
    judgePromptTemplate: z.string().min(1),
  })
  .partial()
  .strict();

const ParityConfigSchema = z
  .object({
    defaults: ParityPolicyFieldsSchema.default({}),
    /** Only tenants listed here are evaluated; each may override settings per prompt type. */
    tenants: z.record(z.string(), ParityPolicyFieldsSchema.extend({ promptTypes: z.record(z.string(), ParityPolicyFieldsSchema).optional() }).strict()).default({}),
    /** The evaluator's admin API (parity status, verdicts). */
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8091),
  })
  .strict();

export const AssayConfigSchema = z.object({
  ingress: z
    .object({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Why 20 MiB: large multi-image chat requests fit; anything larger is almost surely a mistake. */
      bodyLimitBytes: z.number().int().positive().default(20 * 1024 * 1024),
    })
    .default({ host: '127.0.0.1', port: 8080, bodyLimitBytes: 20 * 1024 * 1024 }),
  /** The gRPC Gateway API for internal platforms (same auth and semantics as REST). */
  gateway: z.object({ listen: address.default('127.0.0.1:50060') }).default({ listen: '127.0.0.1:50060' }),
  router: z.object({ listen: address.default('127.0.0.1:50061'), address: address.default('127.0.0.1:50061') }).default({ listen: '127.0.0.1:50061', address: '127.0.0.1:50061' }),
  connector: z.object({ listen: address.default('127.0.0.1:50062'), address: address.default('127.0.0.1:50062') }).default({ listen: '127.0.0.1:50062', address: '127.0.0.1:50062' }),
  database: z
    .object({
      /** A PostgreSQL URL; when absent, standalone starts an embedded server in dataDir. */
      url: z.string().optional(),
      embedded: z.object({ dataDir: z.string().default('.data/standalone/postgres'), port: z.number().int().default(54339) }).default({ dataDir: '.data/standalone/postgres', port: 54339 }),
    })
    .default({ embedded: { dataDir: '.data/standalone/postgres', port: 54339 } }),
  kafka: z
    .object({
      brokers: z.array(z.string()).default(['127.0.0.1:29392']),
      clientId: z.string().default('assay'),
      /** Where events wait when the broker is unreachable, so none is lost. */
      spillDir: z.string().default('.data/spill'),
    })
    .default({ brokers: ['127.0.0.1:29392'], clientId: 'assay', spillDir: '.data/spill' }),
  /** How often ingress reloads its key snapshot; why 500 ms: a new or revoked key takes effect within a second. */
  snapshotRefreshMs: z.number().int().positive().default(500),
  providers: z.record(z.string(), ProviderConfigSchema),
  models: z.array(ModelConfigSchema).min(1),
  reliability: ReliabilityConfigSchema.default({
    maxAttemptsPerModel: 3,
    backoff: { baseMs: 200, maxMs: 8_000 },
    requestTimeoutMs: 600_000,
    breaker: { failureThreshold: 5, cooldownMs: 30_000 },
    keyCooldownMs: 60_000,
  }),
  /**
   * Per-tenant routing. A tenant's fallback chain for a model replaces the model's own chain for
   * that tenant's requests: another provider for one customer, or `[]` for a customer whose data
   * must not go to any other provider.
   */
  routing: z
    .object({ tenants: z.record(z.string(), z.object({ fallbacks: z.record(z.string(), z.array(z.string())).default({}) }).strict()).default({}) })
    .strict()
    .default({ tenants: {} }),
  /**
   * Negotiated or custom prices (catalog ModelPrice entries: provider, model, effectiveFrom and
   * USD per million tokens); from their effectiveFrom on they win over the list price.
   */
  priceOverrides: z.array(z.record(z.string(), z.unknown())).default([]),
  billing: z
    .object({
      /** What one credit sells for, in USD: turns credits charged into revenue. */
      creditPriceUsd: z.string().regex(/^\d+(\.\d{1,12})?$/).default('0.01'),
      /** Pricing plan definitions (see libs/billing/src/pricing-plan.ts), validated by billing at start. */
      plans: z.array(z.record(z.string(), z.unknown())).default([{ kind: 'per_1k_tokens_markup', id: 'default', markup: '0.25', creditPriceUsd: '0.01' }]),
      /** The plan of tenants without an assignment. */
      defaultPlan: z.string().default('default'),
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8090),
      /** Bearer token for the billing admin and report API; the API refuses every call when unset. */
      adminToken: z.string().nullish().transform((v) => v ?? ''),
    })
    .default({ creditPriceUsd: '0.01', plans: [{ kind: 'per_1k_tokens_markup', id: 'default', markup: '0.25', creditPriceUsd: '0.01' }], defaultPlan: 'default', host: '127.0.0.1', port: 8090, adminToken: '' }),
  parity: ParityConfigSchema.default({ defaults: {}, tenants: {}, host: '127.0.0.1', port: 8091 }),
  /** Keys that must exist at start-up (a demo key, or keys managed as config). */
  bootstrapKeys: z.array(z.object({ tenant: z.string().min(1), key: z.string().min(20) })).default([]),
  /** Standalone only: also start the fake provider, for the offline demo. */
  mockProvider: z.object({ port: z.number().int().min(0).default(4010) }).optional(),
});

export type AssayConfig = z.infer<typeof AssayConfigSchema>;
export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;
export type ModelConfig = z.infer<typeof ModelConfigSchema>;
export type DeploymentConfig = z.infer<typeof DeploymentConfigSchema>;
export type ReliabilityConfig = z.infer<typeof ReliabilityConfigSchema>;
export type ParityConfig = z.infer<typeof ParityConfigSchema>;
export type ParityPolicyFields = z.infer<typeof ParityPolicyFieldsSchema>;
