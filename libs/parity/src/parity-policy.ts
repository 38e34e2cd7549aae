// A tenant's parity policy: which cheaper models may replace the baseline for a prompt type, how
// strict the proof must be and how much the evaluation may cost. Plain data and pure functions:
// parsed once at start-up, never read from the environment or a database here.

export interface ParityPolicy {
  /** The tenant's configured baseline; without it the model the caller asked for is the baseline. */
  baseline?: string;
  /** Cheaper models the tenant allows to replace the baseline. */
  candidates: string[];
  /** δ: how much worse than the baseline a candidate may be; 0.10 means a mean score of 0.45. */
  margin: number;
  /** 1 − α of the promotion test (and of the futility rule). */
  confidence: number;
  /** No promotion or rejection before this many comparisons. */
  minComparisons: number;
  /** Futility cap: a candidate not promoted after this many comparisons is rejected. */
  maxComparisons: number;
  /** Share of the prompt type's traffic sampled while a candidate is being qualified. */
  sampleRateQualifying: number;
  /** Share sampled once decided (promoted and shadow-tested, or every candidate failed). */
  sampleRateDecided: number;
  /** What the evaluation (candidate replays and judge calls) may spend per UTC day, in picodollars (1e-12 USD). */
  evalBudgetPicoPerDay: bigint;
  judgeModel?: string;
  judgePromptTemplate?: string;
}

/** Overrides for one tenant; prompt-type entries win over the tenant's own fields. */
export type TenantParityPolicy = Partial<ParityPolicy> & { promptTypes?: Record<string, Partial<ParityPolicy>> };

export interface ParityPolicies {
  /** Only tenants listed here take part in parity at all. */
  tenants: Record<string, TenantParityPolicy>;
  defaults?: Partial<ParityPolicy>;
}

export const DEFAULT_PARITY_POLICY: Readonly<ParityPolicy> = Object.freeze({
  candidates: [],
  // DESIGN.md: δ = 0.10 at α = 0.05 with at least 30 comparisons (ADR 0007 validates the statistics there).
  margin: 0.1,
  confidence: 0.95,
  minComparisons: 30,
  // Why 400: ADR 0007's slowest good case (10/80/10) promotes by 316 comparisons at p90; beyond 400 the
  // judge spend on a candidate that cannot prove itself outweighs the chance that it still will.
  maxComparisons: 400,
  // Sample everything while unproven: the proof needs 41–118 comparisons and slow proofs forgo savings.
  sampleRateQualifying: 1,
  // Why 5%: the drift detector reacts within about 100 comparisons (ADR 0007), i.e. ~2000 requests of
  // the prompt type at this rate, while shadow cost stays a twentieth of qualifying.
  sampleRateDecided: 0.05,
  // Why 1 USD a day: a comparison (candidate replay + two judge orders on small models) costs roughly
  // 0.1–0.2 cents, so a dollar buys a few hundred comparisons: a few qualifications a day, opt-in.
  evalBudgetPicoPerDay: 1_000_000_000_000n,
});

/**
 * The effective policy of one tenant and prompt type: defaults < `policies.defaults` < tenant <
 * tenant's prompt type. Without a prompt type, the tenant-level policy (e.g. for its daily budget).
 * Null when the tenant has no parity policy. Throws RangeError on values no test could use.
 */
export function resolveParityPolicy(policies: ParityPolicies, tenantId: string, promptType?: string): ParityPolicy | null {
  // hasOwn: a tenant id such as "constructor" must not find Object.prototype's members.
  if (!Object.hasOwn(policies.tenants, tenantId)) return null;
  const { promptTypes, ...tenant } = policies.tenants[tenantId];
  const forPromptType = promptType !== undefined && promptTypes && Object.hasOwn(promptTypes, promptType) ? promptTypes[promptType] : {};
  const policy = overlay(overlay(overlay({ ...DEFAULT_PARITY_POLICY }, policies.defaults ?? {}), tenant), forPromptType);
  policy.candidates = [...policy.candidates];
  validateParityPolicy(policy);
  return policy;
}

/**
 * Start-up check of every policy `resolveParityPolicy` can produce, so a bad combination of layers
 * (e.g. a tenant's maxComparisons below the defaults' minComparisons) fails at boot, not on a
 * request. Prompt types not listed resolve exactly like the tenant level, so this is exhaustive.
 */
export function validateParityPolicies(policies: ParityPolicies): void {
  for (const [tenantId, tenant] of Object.entries(policies.tenants)) {
    for (const promptType of [undefined, ...Object.keys(tenant.promptTypes ?? {})]) {
      try {
        resolveParityPolicy(policies, tenantId, promptType);
      } catch (error) {
        const where = promptType === undefined ? `tenant ${tenantId}` : `tenant ${tenantId}, prompt type ${promptType}`;
        throw new RangeError(`${(error as Error).message} (${where})`);
      }
    }
  }
}

/** Fields set to undefined do not override: a config layer that spells out every key must not erase defaults. */
function overlay(base: ParityPolicy, override: Partial<ParityPolicy>): ParityPolicy {
  const result = { ...base } as Record<string, unknown>;
  for (const [key, value] of Object.entries(override)) if (value !== undefined) result[key] = value;
  return result as unknown as ParityPolicy;
}

export function validateParityPolicy(policy: ParityPolicy): void {
  const fail = (what: string, value: unknown): never => {
    throw new RangeError(`Parity policy: ${what}, got ${String(value)}`);
  };
  if (!Array.isArray(policy.candidates) || policy.candidates.some((c) => typeof c !== 'string' || c === '')) fail('candidates must be model names', policy.candidates);
  if (!(policy.margin >= 0 && policy.margin < 1)) fail('margin must be in [0, 1)', policy.margin);
  if (!(policy.confidence > 0 && policy.confidence < 1)) fail('confidence must be in (0, 1)', policy.confidence);
  if (!(Number.isInteger(policy.minComparisons) && policy.minComparisons >= 0)) fail('minComparisons must be a whole number ≥ 0', policy.minComparisons);
  if (!(Number.isInteger(policy.maxComparisons) && policy.maxComparisons >= Math.max(1, policy.minComparisons))) {
    fail('maxComparisons must be a whole number ≥ minComparisons and ≥ 1', policy.maxComparisons);
  }
  for (const key of ['sampleRateQualifying', 'sampleRateDecided'] as const) {
    if (!(policy[key] >= 0 && policy[key] <= 1)) fail(`${key} must be in [0, 1]`, policy[key]);
  }
  if (typeof policy.evalBudgetPicoPerDay !== 'bigint' || policy.evalBudgetPicoPerDay < 0n) fail('evalBudgetPicoPerDay must be a bigint ≥ 0', policy.evalBudgetPicoPerDay);
}

/**
 * The candidates worth qualifying, cheapest first: a candidate is only worth proving if it saves
 * money, so the baseline itself, models without a known price and models not strictly cheaper than
 * the baseline are dropped. With no known baseline price nothing can be shown cheaper: empty.
 * Ties in price are ordered by name so the order, and hence every decision, is reproducible.
 */
export function orderCandidates(baseline: string, candidates: string[], referenceCostPico: (model: string) => bigint | undefined): string[] {
  const baselineCost = referenceCostPico(baseline);
  if (baselineCost === undefined) return [];
  const priced: Array<{ model: string; cost: bigint }> = [];
  for (const model of new Set(candidates)) {
    if (model === baseline) continue;
    const cost = referenceCostPico(model);
    if (cost !== undefined && cost < baselineCost) priced.push({ model, cost });
  }
  priced.sort((a, b) => (a.cost !== b.cost ? (a.cost < b.cost ? -1 : 1) : a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
  return priced.map((p) => p.model);
}
