// Builds the billing pieces from config, the same way for the cluster's billing service and the
// standalone process.
import type { AssayConfig } from '@assay/platform';
import type { UsagePricer } from '@assay/metering';
import { parseUsd } from '@assay/pricing';
import type { DataSource } from 'typeorm';
import { UNITS_PER_CREDIT } from './ledger';
import { compilePlan, PlanSchedule, type PlanAssignment } from './pricing-plan';
import { UsageCharger } from './usage-charger';

export async function loadPlanSchedule(db: DataSource, config: AssayConfig): Promise<PlanSchedule> {
  const rows: Array<{ tenant_id: string; plan_id: string; effective_from: Date }> = await db.query(
    `SELECT tenant_id, plan_id, effective_from FROM billing.plan_assignments ORDER BY tenant_id, effective_from`,
  );
  const assignments: PlanAssignment[] = rows.map((r) => ({ tenantId: r.tenant_id, planId: r.plan_id, effectiveFrom: new Date(r.effective_from) }));
  return new PlanSchedule(config.billing.plans.map((p) => compilePlan(p)), assignments, config.billing.defaultPlan);
}

export async function createUsageCharger(db: DataSource, config: AssayConfig, pricer: UsagePricer): Promise<UsageCharger> {
  const picoPerCredit = parseUsd(config.billing.creditPriceUsd);
  if (picoPerCredit % UNITS_PER_CREDIT !== 0n) throw new Error('billing.creditPriceUsd must be a whole number of picodollars per credit micro-unit');
  return new UsageCharger(db, await loadPlanSchedule(db, config), pricer, picoPerCredit / UNITS_PER_CREDIT);
}
