import type { DatabaseModule } from '@assay/platform';
import { CreateBilling1764000000100 } from './migrations/1764000000100-create-billing';
import { BudgetsAndPlanChanges1764000000200 } from './migrations/1764000000200-budgets-and-plan-changes';

/** The billing schema, owned by the billing service. Queried with SQL; no entities. */
export const billingDatabase: DatabaseModule = {
  name: 'billing',
  entities: [],
  migrations: [CreateBilling1764000000100, BudgetsAndPlanChanges1764000000200],
};
