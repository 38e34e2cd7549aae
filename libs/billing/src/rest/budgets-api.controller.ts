// Budgets and leases for ingress replicas (DESIGN.md "Budgets without a database round trip"):
// operators set a budget's cap; replicas lease slices of it, spend them locally and settle what
// they spent. Thin: validation here, the rules in budget-store.ts and budget-lease.ts.
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { DataSource } from 'typeorm';
import { leaseFromBudget, readBudget, setBudgetCap, settleLease, type BudgetView } from '../budget-store';
import { AdminTokenGuard } from './admin-token.guard';
import { budgetCapBody, budgetIdParam, leaseRequestBody, parseBody, settleBody } from './billing-requests';
import { BILLING_DB } from './injection-tokens';

@Controller('v1/billing')
@UseGuards(AdminTokenGuard)
export class BudgetsApiController {
  constructor(@Inject(BILLING_DB) private readonly db: DataSource) {}

  /** Creates the budget (201) or changes its cap (200). */
  @Put('budgets/:budgetId')
  async putBudget(@Param('budgetId') budgetId: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const id = budgetIdParam(budgetId);
    const { cap_units } = parseBody(budgetCapBody, body);
    const { budget, created } = await setBudgetCap(this.db, id, cap_units);
    void reply.status(created ? 201 : 200);
    return budgetJson(budget);
  }

  @Get('budgets/:budgetId')
  async getBudget(@Param('budgetId') budgetId: string) {
    return budgetJson(await readBudget(this.db, budgetIdParam(budgetId)));
  }

  @Post('budgets/:budgetId/leases')
  async requestLease(@Param('budgetId') budgetId: string, @Body() body: unknown) {
    const id = budgetIdParam(budgetId);
    const { holder_id, requested_units } = parseBody(leaseRequestBody, body);
    const lease = await leaseFromBudget(this.db, id, holder_id, requested_units);
    return { lease_id: lease.leaseId, budget_id: id, holder_id: lease.holderId, granted_units: lease.granted.toString() };
  }

  @Post('leases/:leaseId/settle')
  @HttpCode(200)
  async settle(@Param('leaseId') leaseId: string, @Body() body: unknown) {
    const { settle_id, spent_units, close } = parseBody(settleBody, body);
    const r = await settleLease(this.db, { leaseId, settleId: settle_id, spentUnits: spent_units, close });
    return {
      lease_id: r.leaseId,
      settle_id: r.settleId,
      spent_units: r.spentUnits.toString(),
      closed: r.closed,
      remaining_units: r.remainingUnits.toString(),
      returned_units: r.returnedUnits.toString(),
      replayed: r.replayed,
    };
  }
}

function budgetJson(b: BudgetView) {
  return {
    budget_id: b.budgetId,
    cap_units: b.capUnits.toString(),
    spent_units: b.spentUnits.toString(),
    outstanding_units: b.outstandingUnits.toString(),
    available_units: b.availableUnits.toString(),
    open_leases: b.openLeases.map((l) => ({
      lease_id: l.leaseId,
      holder_id: l.holderId,
      granted_units: l.grantedUnits.toString(),
      remaining_units: l.remainingUnits.toString(),
      granted_at: l.grantedAt.toISOString(),
    })),
  };
}
