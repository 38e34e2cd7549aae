// Plan assignment per tenant: which pricing plan applies from when. A change only ever applies
// from now on (plan-assignments.ts says why and how); the usage charger picks it up on its next
// batch without a restart.
import { AssayError } from '@assay/platform';
import { Body, Controller, Get, Inject, Param, Put, UseGuards } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { assignPlan, tenantPlans, type PlanCatalog, type TenantPlans } from '../plan-assignments';
import { AdminTokenGuard } from './admin-token.guard';
import { parseBody, planAssignmentBody, tenantIdParam } from './billing-requests';
import { BILLING_DB, BILLING_PLANS } from './injection-tokens';

@Controller('v1/billing')
@UseGuards(AdminTokenGuard)
export class PlansApiController {
  constructor(
    @Inject(BILLING_DB) private readonly db: DataSource,
    @Inject(BILLING_PLANS) private readonly catalog: PlanCatalog | null,
  ) {}

  @Put('tenants/:tenantId/plan')
  async assign(@Param('tenantId') tenantId: string, @Body() body: unknown) {
    const { plan, effective_from } = parseBody(planAssignmentBody, body);
    const now = new Date();
    return plansJson(await assignPlan(this.db, this.plans(), { tenantId: tenantIdParam(tenantId), planId: plan, effectiveFrom: effective_from ? new Date(effective_from) : now }, now));
  }

  @Get('tenants/:tenantId/plan')
  async current(@Param('tenantId') tenantId: string) {
    return plansJson(await tenantPlans(this.db, this.plans(), tenantIdParam(tenantId)));
  }

  private plans(): PlanCatalog {
    if (!this.catalog) throw new AssayError({ status: 503, type: 'api_error', code: 'plans_not_configured', message: 'This billing API was started without the plan catalog.' });
    return this.catalog;
  }
}

function plansJson(p: TenantPlans) {
  return {
    tenant_id: p.tenantId,
    as_of: p.asOf.toISOString(),
    current: p.current && { plan: p.current.planId, effective_from: p.current.effectiveFrom?.toISOString() ?? null, source: p.current.source },
    scheduled: p.scheduled.map((s) => ({ plan: s.planId, effective_from: s.effectiveFrom.toISOString() })),
  };
}
