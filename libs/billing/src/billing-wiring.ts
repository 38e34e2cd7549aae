// Builds the billing pieces from config, the same way for the cluster's billing service and the
// standalone process.
import type { AssayConfig } from '@assay/platform';
import type { UsagePricer } from '@assay/metering';
import { parseUsd } from '@assay/pricing';
import type { DataSource } from 'typeorm';
import { UNITS_PER_CREDIT } from './ledger';
import { planCatalog, PlanScheduleCache } from './plan-assignments';
import { UsageCharger, type UsageChargerOptions } from './usage-charger';

export async function createUsageCharger(db: DataSource, config: AssayConfig, pricer: UsagePricer, options: UsageChargerOptions = {}): Promise<UsageCharger> {
  const picoPerCredit = parseUsd(config.billing.creditPriceUsd);
  if (picoPerCredit % UNITS_PER_CREDIT !== 0n) throw new Error('billing.creditPriceUsd must be a whole number of picodollars per credit micro-unit');
  return new UsageCharger(db, await PlanScheduleCache.load(db, planCatalog(config)), pricer, picoPerCredit / UNITS_PER_CREDIT, options);
}
