// Pricing plans: how many credits a customer request costs. Pure and exact: credit amounts are
// bigint micro-units (see ledger.ts), provider cost is bigint picodollars (see @assay/pricing),
// and the only rounding is the one documented on creditsFor().
//
// Plans are written by operators as decimal strings (credits "0.5", markup "0.25" = +25%,
// creditPriceUsd "0.01" = one credit sells for one cent), validated once with zod by
// compilePlan(), and assigned to tenants over time by a PlanSchedule: a plan change applies from
// its effectiveFrom on and never re-prices earlier requests.
import { z } from 'zod';
import { decimalToScaled, divideRounded, parseDecimal, parseUsd, type Picodollars, type TokenUsage } from '@assay/pricing';
import { UNITS_PER_CREDIT, type CreditUnits } from './ledger';

const credits = z.string().regex(/^\d+(\.\d{1,6})?$/, 'credits: a non-negative decimal with at most 6 decimals');
/** Markup as a fraction: "0.25" = +25%, "-0.1" = 10% discount; at least -1 (free), at most 6 decimals. */
const markup = z.string().regex(/^-?\d+(\.\d{1,6})?$/, 'markup: a decimal fraction with at most 6 decimals');
const usd = z.string().regex(/^\d+(\.\d{1,12})?$/, 'USD: a non-negative decimal with at most 12 decimals');

const costPlus = z.object({ markup, creditPriceUsd: usd }).strict();

export const planDefinitionSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('per_request'),
      id: z.string().min(1),
      /** Credits per request for prompt types without their own amount. */
      creditsPerRequest: credits,
      /** Credits per request by prompt type ("AI action"). */
      perPromptType: z.record(z.string(), credits).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('per_1k_tokens_markup'),
      id: z.string().min(1),
      ...costPlus.shape,
    })
    .strict(),
  z
    .object({
      kind: z.literal('flat_per_action'),
      id: z.string().min(1),
      perPromptType: z.record(z.string(), credits),
      /** How prompt types without a flat price are charged. */
      fallback: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('credits'), credits }).strict(),
        z.object({ kind: z.literal('cost_plus'), ...costPlus.shape }).strict(),
        z.object({ kind: z.literal('free') }).strict(),
      ]),
    })
    .strict(),
]);

export type PlanDefinition = z.infer<typeof planDefinitionSchema>;

/** Cost × (1 + markup) / credit price, as exact integers. */
export interface CostPlusRule {
  /** 1 + markup, scaled by 10^6 (1.25 → 1_250_000n). */
  multiplierMicros: bigint;
  /** What one credit sells for, in picodollars. */
  creditPricePico: Picodollars;
}

export type FallbackRule = { kind: 'credits'; units: CreditUnits } | ({ kind: 'cost_plus' } & CostPlusRule) | { kind: 'free' };

export type PricingPlan =
  | { kind: 'per_request'; id: string; unitsPerRequest: CreditUnits; perPromptType: ReadonlyMap<string, CreditUnits>; definition: PlanDefinition }
  | ({ kind: 'per_1k_tokens_markup'; id: string; definition: PlanDefinition } & CostPlusRule)
  | { kind: 'flat_per_action'; id: string; perPromptType: ReadonlyMap<string, CreditUnits>; fallback: FallbackRule; definition: PlanDefinition };

export class InvalidPricingPlan extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid pricing plan: ${issues.join('; ')}`);
    this.name = 'InvalidPricingPlan';
  }
}

/** Validates an operator's plan definition and turns its decimals into exact integers. */
export function compilePlan(definition: unknown): PricingPlan {
  const parsed = planDefinitionSchema.safeParse(definition);
  if (!parsed.success) throw new InvalidPricingPlan(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const def = parsed.data;
  switch (def.kind) {
    case 'per_request':
      return { kind: def.kind, id: def.id, unitsPerRequest: creditUnits(def.creditsPerRequest), perPromptType: unitsMap(def.perPromptType ?? {}), definition: def };
    case 'per_1k_tokens_markup':
      return { kind: def.kind, id: def.id, ...costPlusRule(def), definition: def };
    case 'flat_per_action': {
      const fb = def.fallback;
      const fallback: FallbackRule =
        fb.kind === 'credits' ? { kind: 'credits', units: creditUnits(fb.credits) } : fb.kind === 'cost_plus' ? { kind: 'cost_plus', ...costPlusRule(fb) } : { kind: 'free' };
      return { kind: def.kind, id: def.id, perPromptType: unitsMap(def.perPromptType), fallback, definition: def };
    }
  }
}

/** "0.5" credits → 500_000n units. */
export function creditUnits(decimalCredits: string): CreditUnits {
  return decimalToScaled(parseDecimal(decimalCredits, { maxDecimals: 6 }), 6) * (UNITS_PER_CREDIT / 1_000_000n);
}

function unitsMap(record: Record<string, string>): Map<string, CreditUnits> {
  return new Map(Object.entries(record).map(([type, amount]) => [type, creditUnits(amount)]));
}

function costPlusRule(p: { markup: string; creditPriceUsd: string }): CostPlusRule {
  const multiplierMicros = 1_000_000n + decimalToScaled(parseDecimal(p.markup, { maxDecimals: 6, allowNegative: true }), 6);
  if (multiplierMicros < 0n) throw new InvalidPricingPlan([`markup ${p.markup} is below -1 (a negative price)`]);
  const creditPricePico = parseUsd(p.creditPriceUsd);
  if (creditPricePico === 0n) throw new InvalidPricingPlan(['creditPriceUsd must be greater than zero']);
  return { multiplierMicros, creditPricePico };
}

/** One customer request as billing sees it. */
export interface BillableRequest {
  /** Explicit label or fingerprint; undefined when unknown. */
  promptType?: string;
  /** Carried for plans that price tokens directly and for audit; the current plans price cost. */
  usage: TokenUsage;
  /** What the request cost Assay upstream (all attempts), in picodollars. */
  costPico: Picodollars;
}

/**
 * Credits to debit for one request under a plan, in micro-units.
 * Rounding rule: cost-based amounts are computed as an exact fraction
 *   units = costPico × (1 + markup) × 1_000_000 / creditPricePico
 * and rounded HALF UP to a whole micro-unit (a tie, exactly .5, rounds up) — once per request,
 * never per line. The result is never negative: a markup of -1 or lower is rejected at compile
 * time, and a negative cost is an error, not a credit.
 */
export function creditsFor(request: BillableRequest, plan: PricingPlan): CreditUnits {
  if (request.costPico < 0n) throw new RangeError(`costPico must not be negative, got ${request.costPico}`);
  switch (plan.kind) {
    case 'per_request':
      return (request.promptType === undefined ? undefined : plan.perPromptType.get(request.promptType)) ?? plan.unitsPerRequest;
    case 'per_1k_tokens_markup':
      return costPlusUnits(request.costPico, plan);
    case 'flat_per_action': {
      const flat = request.promptType === undefined ? undefined : plan.perPromptType.get(request.promptType);
      if (flat !== undefined) return flat;
      const fb = plan.fallback;
      return fb.kind === 'credits' ? fb.units : fb.kind === 'cost_plus' ? costPlusUnits(request.costPico, fb) : 0n;
    }
  }
}

function costPlusUnits(costPico: Picodollars, rule: CostPlusRule): CreditUnits {
  // units = cost × multiplierMicros/1e6 × UNITS_PER_CREDIT / creditPrice; one division, so one rounding.
  const units = divideRounded(costPico * rule.multiplierMicros * UNITS_PER_CREDIT, 1_000_000n * rule.creditPricePico, 'half-up');
  return units < 0n ? 0n : units;
}

export interface PlanAssignment {
  tenantId: string;
  planId: string;
  effectiveFrom: Date;
}

/**
 * Which plan a tenant is on at a point in time. Assignments are immutable history: a change is a
 * new assignment with a later effectiveFrom. Tenants with no assignment in force get the default
 * plan, if one is configured.
 */
export class PlanSchedule {
  private readonly plans = new Map<string, PricingPlan>();
  private readonly byTenant = new Map<string, { starts: number[]; planIds: string[] }>();

  constructor(plans: readonly PricingPlan[], assignments: readonly PlanAssignment[], private readonly defaultPlanId?: string) {
    const issues: string[] = [];
    for (const plan of plans) {
      if (this.plans.has(plan.id)) issues.push(`plan ${plan.id} is defined twice`);
      this.plans.set(plan.id, plan);
    }
    if (defaultPlanId !== undefined && !this.plans.has(defaultPlanId)) issues.push(`default plan ${defaultPlanId} is not defined`);
    const sorted = [...assignments].sort((a, b) => a.effectiveFrom.getTime() - b.effectiveFrom.getTime());
    for (const a of sorted) {
      if (!this.plans.has(a.planId)) issues.push(`tenant ${a.tenantId} is assigned unknown plan ${a.planId}`);
      if (Number.isNaN(a.effectiveFrom.getTime())) issues.push(`tenant ${a.tenantId}: invalid effectiveFrom`);
      let timeline = this.byTenant.get(a.tenantId);
      if (!timeline) this.byTenant.set(a.tenantId, (timeline = { starts: [], planIds: [] }));
      const ms = a.effectiveFrom.getTime();
      if (timeline.starts[timeline.starts.length - 1] === ms) issues.push(`tenant ${a.tenantId} has two plans from ${a.effectiveFrom.toISOString()}`);
      timeline.starts.push(ms);
      timeline.planIds.push(a.planId);
    }
    if (issues.length > 0) throw new InvalidPricingPlan(issues);
  }

  /** The plan in force for the tenant at `at` (latest assignment with effectiveFrom ≤ at), else the default plan. */
  planAt(tenantId: string, at: Date): PricingPlan | undefined {
    const timeline = this.byTenant.get(tenantId);
    const ms = at.getTime();
    if (timeline) {
      let lo = 0;
      let hi = timeline.starts.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (timeline.starts[mid] <= ms) lo = mid + 1;
        else hi = mid;
      }
      if (lo > 0) return this.plans.get(timeline.planIds[lo - 1]);
    }
    return this.defaultPlanId === undefined ? undefined : this.plans.get(this.defaultPlanId);
  }

  plan(planId: string): PricingPlan | undefined {
    return this.plans.get(planId);
  }
}
