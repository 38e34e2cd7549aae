// Plan assignments in PostgreSQL: which plan each tenant is on from when, recorded over the API
// and read by the usage charger. A plan change never rewrites history that is already charged:
// an assignment must start now or later (a few seconds of grace for clocks and the trip over
// HTTP) and after the tenant's last charged request. Every change bumps one version number; the
// charger compares it, inside its own charge statement, with the version of its in-memory
// schedule (PlanScheduleCache), so it never prices with an outdated schedule and never needs a
// database round trip per request to stay current.
import type { AssayConfig } from '@assay/platform';
import type { DataSource } from 'typeorm';
import { isValidTenantId } from './ledger';
import { compilePlan, PlanSchedule, type PlanAssignment, type PricingPlan } from './pricing-plan';

/** The plans operators defined in config, and the plan of tenants without an assignment. */
export interface PlanCatalog {
  plans: readonly PricingPlan[];
  defaultPlanId?: string;
}

export function planCatalog(config: AssayConfig): PlanCatalog {
  return { plans: config.billing.plans.map((p) => compilePlan(p)), defaultPlanId: config.billing.defaultPlan };
}

/**
 * How far in the past an assignment may start. Why 5 s: enough for a caller's clock running a
 * little ahead of billing's and for "effective now" travelling over HTTP, short enough that a
 * request charged in that window is caught by the charged-history check instead.
 */
export const PLAN_CHANGE_GRACE_MS = 5_000;

export class UnknownPlan extends Error {
  constructor(
    readonly planId: string,
    readonly knownPlanIds: readonly string[],
  ) {
    super(`unknown plan '${planId}'; known plans: ${knownPlanIds.join(', ')}`);
    this.name = 'UnknownPlan';
  }
}

/** An assignment that would re-price requests already charged or already in the past. */
export class PlanChangeRewritesHistory extends Error {
  constructor(
    readonly tenantId: string,
    readonly effectiveFrom: Date,
    readonly reason: 'in_the_past' | 'after_charges',
    detail: string,
  ) {
    super(`a plan change for tenant ${tenantId} from ${effectiveFrom.toISOString()} would rewrite charged history: ${detail}`);
    this.name = 'PlanChangeRewritesHistory';
  }
}

export interface TenantPlans {
  tenantId: string;
  asOf: Date;
  /** The plan in force now; from the default plan (effectiveFrom null) when no assignment is. */
  current: { planId: string; effectiveFrom: Date | null; source: 'assignment' | 'default' } | null;
  /** Assignments that start later, earliest first. */
  scheduled: Array<{ planId: string; effectiveFrom: Date }>;
}

/**
 * Records that `tenantId` is on `planId` from `effectiveFrom` on. Repeating an assignment that
 * exists is a no-op; a second assignment at the same instant replaces the first (it cannot
 * have priced anything: it is not in the past and no request after it is charged).
 */
export async function assignPlan(
  db: DataSource,
  catalog: PlanCatalog,
  assignment: PlanAssignment,
  now: Date = new Date(),
): Promise<TenantPlans> {
  const { tenantId, planId, effectiveFrom } = assignment;
  if (!isValidTenantId(tenantId)) throw new RangeError(`invalid tenant id ${JSON.stringify(tenantId)}`);
  const known = catalog.plans.map((p) => p.id);
  if (!known.includes(planId)) throw new UnknownPlan(planId, known);
  if (Number.isNaN(effectiveFrom.getTime())) throw new RangeError('effectiveFrom is not a valid time');
  await db.transaction(async (m) => {
    // Serializes with other plan changes and with charge statements, which hold this row FOR
    // SHARE: once locked, every request charged so far is visible to the check below.
    await m.query(`SELECT version FROM billing.plan_assignment_version FOR UPDATE`);
    const same: unknown[] = await m.query(`SELECT 1 FROM billing.plan_assignments WHERE tenant_id = $1 AND effective_from = $2 AND plan_id = $3`, [
      tenantId,
      effectiveFrom,
      planId,
    ]);
    if (same.length > 0) return; // a retried call
    const earliest = new Date(now.getTime() - PLAN_CHANGE_GRACE_MS);
    if (effectiveFrom < earliest) {
      throw new PlanChangeRewritesHistory(tenantId, effectiveFrom, 'in_the_past', `it must start at ${earliest.toISOString()} or later`);
    }
    // A row whose model is still '' only holds attempt costs: its request is not charged yet.
    const [charged]: Array<{ first: Date | null }> = await m.query(
      `SELECT min(started_at) AS first FROM billing.request_charges WHERE tenant_id = $1 AND started_at >= $2 AND model <> ''`,
      [tenantId, effectiveFrom],
    );
    if (charged.first) {
      throw new PlanChangeRewritesHistory(tenantId, effectiveFrom, 'after_charges', `a request that started at ${new Date(charged.first).toISOString()} is already charged`);
    }
    await m.query(
      `INSERT INTO billing.plan_assignments (tenant_id, plan_id, effective_from) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, effective_from) DO UPDATE SET plan_id = excluded.plan_id, recorded_at = now()`,
      [tenantId, planId, effectiveFrom],
    );
    await m.query(`UPDATE billing.plan_assignment_version SET version = version + 1`);
  });
  return tenantPlans(db, catalog, tenantId, now);
}

/** The tenant's plan now and the changes scheduled after now. */
export async function tenantPlans(db: DataSource, catalog: PlanCatalog, tenantId: string, now: Date = new Date()): Promise<TenantPlans> {
  const rows: Array<{ plan_id: string; effective_from: Date }> = await db.query(
    `(SELECT plan_id, effective_from FROM billing.plan_assignments WHERE tenant_id = $1 AND effective_from <= $2 ORDER BY effective_from DESC LIMIT 1)
     UNION ALL
     (SELECT plan_id, effective_from FROM billing.plan_assignments WHERE tenant_id = $1 AND effective_from > $2 ORDER BY effective_from)`,
    [tenantId, now],
  );
  const [inForce] = rows.filter((r) => r.effective_from <= now);
  const current: TenantPlans['current'] = inForce
    ? { planId: inForce.plan_id, effectiveFrom: new Date(inForce.effective_from), source: 'assignment' }
    : catalog.defaultPlanId !== undefined
      ? { planId: catalog.defaultPlanId, effectiveFrom: null, source: 'default' }
      : null;
  const scheduled = rows.filter((r) => r.effective_from > now).map((r) => ({ planId: r.plan_id, effectiveFrom: new Date(r.effective_from) }));
  return { tenantId, asOf: now, current, scheduled };
}

/** Every assignment and the version they are at, read in one statement (one snapshot). */
export async function loadPlanAssignments(db: DataSource): Promise<{ version: bigint; assignments: PlanAssignment[] }> {
  const [row]: Array<{ version: string; assignments: Array<{ tenant_id: string; plan_id: string; effective_from: string }> }> = await db.query(
    `SELECT v.version::text AS version,
       coalesce((SELECT json_agg(json_build_object('tenant_id', tenant_id, 'plan_id', plan_id, 'effective_from', effective_from) ORDER BY tenant_id, effective_from)
         FROM billing.plan_assignments), '[]'::json) AS assignments
     FROM billing.plan_assignment_version v`,
  );
  return {
    version: BigInt(row.version),
    assignments: row.assignments.map((a) => ({ tenantId: a.tenant_id, planId: a.plan_id, effectiveFrom: new Date(a.effective_from) })),
  };
}

/** The charger's in-memory schedule and the assignment version it was built from. */
export class PlanScheduleCache {
  private current: { schedule: PlanSchedule; version: bigint };

  private constructor(
    private readonly db: DataSource,
    private readonly catalog: PlanCatalog,
    initial: { schedule: PlanSchedule; version: bigint },
  ) {
    this.current = initial;
  }

  static async load(db: DataSource, catalog: PlanCatalog): Promise<PlanScheduleCache> {
    return new PlanScheduleCache(db, catalog, await PlanScheduleCache.build(db, catalog));
  }

  get schedule(): PlanSchedule {
    return this.current.schedule;
  }

  get version(): bigint {
    return this.current.version;
  }

  async reload(): Promise<void> {
    this.current = await PlanScheduleCache.build(this.db, this.catalog);
  }

  private static async build(db: DataSource, catalog: PlanCatalog): Promise<{ schedule: PlanSchedule; version: bigint }> {
    const { version, assignments } = await loadPlanAssignments(db);
    return { schedule: new PlanSchedule(catalog.plans, assignments, catalog.defaultPlanId), version };
  }
}
