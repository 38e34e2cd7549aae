// Budgets and leases for ingress replicas (DESIGN.md "Budgets without a database round trip"):
// operators set a budget's cap; replicas lease slices of it, spend them locally and settle what
// they spent, renewing their leases as they do. Thin: validation here, the rules in
// budget-store.ts and budget-lease.ts; lapsed leases are closed there and by LeaseExpirySweep.
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { DataSource } from 'typeorm';
import { leaseFromBudget, readBudget, renewLease, setBudgetCap, settleLease, type BudgetView } from '../budget-store';
import { AdminTokenGuard } from './admin-token.guard';
import { budgetCapBody, budgetIdParam, leaseRequestBody, parseBody, renewBody, settleBody } from './billing-requests';
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

  /** Grants a lease (201); a repeated request id answers with the lease it got (200, `replayed`). */
  @Post('budgets/:budgetId/leases')
  async requestLease(@Param('budgetId') budgetId: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const id = budgetIdParam(budgetId);
    const { holder_id, requested_units, ttl_seconds, request_id } = parseBody(leaseRequestBody, body);
    const lease = await leaseFromBudget(this.db, { budgetId: id, holderId: holder_id, requestedUnits: requested_units, ttlSeconds: ttl_seconds, requestId: request_id });
    void reply.status(lease.replayed ? 200 : 201);
    return {
      lease_id: lease.leaseId,
      budget_id: id,
      holder_id: lease.holderId,
      granted_units: lease.granted.toString(),
      expires_at: lease.expiresAt.toISOString(),
      ttl_seconds: lease.ttlSeconds,
      replayed: lease.replayed,
    };
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
      expires_at: r.expiresAt?.toISOString() ?? null,
      replayed: r.replayed,
    };
  }

  /** Keeps a lease alive without settling (a holder with nothing to report). */
  @Post('leases/:leaseId/renew')
  @HttpCode(200)
  async renew(@Param('leaseId') leaseId: string, @Body() body: unknown) {
    const { ttl_seconds } = parseBody(renewBody, body);
    const r = await renewLease(this.db, { leaseId, ttlSeconds: ttl_seconds });
    return { lease_id: r.leaseId, holder_id: r.holderId, remaining_units: r.remainingUnits.toString(), expires_at: r.expiresAt.toISOString(), ttl_seconds: r.ttlSeconds };
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
      expires_at: l.expiresAt.toISOString(),
    })),
  };
}
