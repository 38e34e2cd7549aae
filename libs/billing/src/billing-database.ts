import type { DatabaseModule } from '@assay/platform';
import { CreateBilling1764000000100 } from './migrations/1764000000100-create-billing';
import { BudgetsAndPlanChanges1764000000200 } from './migrations/1764000000200-budgets-and-plan-changes';
import { PriceOverrides1764000000300 } from './migrations/1764000000300-price-overrides';
import { LeaseExpiry1764000000400 } from './migrations/1764000000400-lease-expiry';
import { CreditLots1764000000500 } from './migrations/1764000000500-credit-lots';

/** The billing schema, owned by the billing service. Queried with SQL; no entities. */
export const billingDatabase: DatabaseModule = {
  name: 'billing',
  entities: [],
  migrations: [CreateBilling1764000000100, BudgetsAndPlanChanges1764000000200, PriceOverrides1764000000300, LeaseExpiry1764000000400, CreditLots1764000000500],
};
