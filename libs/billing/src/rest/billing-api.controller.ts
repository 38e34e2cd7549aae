// The billing admin and report API: grants and balances for operators, margin reports (JSON or
// CSV) for finance. Every call needs the admin bearer token.
import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Headers, HttpException, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { DataSource } from 'typeorm';
import { marginReport, toCsv, type MarginGrouping } from '../billing-reports';
import { grant } from '../ledger';
import { postTransactions, tenantBalances } from '../ledger-store';
import { creditUnits } from '../pricing-plan';

export const BILLING_DB = Symbol('BillingDb');
export const BILLING_ADMIN_TOKEN = Symbol('BillingAdminToken');

const GROUPINGS = /^(tenant|prompt_type|model|end_user|day|tag:[A-Za-z0-9_.-]+)$/;

@Controller('v1/billing')
export class BillingApiController {
  constructor(
    @Inject(BILLING_DB) private readonly db: DataSource,
    @Inject(BILLING_ADMIN_TOKEN) private readonly adminToken: string,
  ) {}

  @Post('grants')
  async grantCredits(@Headers('authorization') auth: string | undefined, @Body() body: { tenant_id?: string; credits?: string; grant_id?: string; reference?: string }) {
    this.authorize(auth);
    if (!body?.tenant_id || typeof body.credits !== 'string') throw badRequest("'tenant_id' and 'credits' (a decimal string) are required");
    const grantId = body.grant_id ?? randomUUID();
    const tx = grant({ tenantId: body.tenant_id, amount: creditUnits(body.credits), grantId, effectiveAt: new Date(), reference: body.reference });
    const inserted = await postTransactions(this.db, [tx]);
    return { transaction_id: tx.transactionId, grant_id: grantId, posted: inserted > 0 };
  }

  @Get('tenants/:tenant/balance')
  async balance(@Headers('authorization') auth: string | undefined, @Param('tenant') tenant: string) {
    this.authorize(auth);
    const balances = await tenantBalances(this.db, tenant);
    return { tenant_id: tenant, unit: 'credit micro-units (1 credit = 1,000,000)', accounts: Object.fromEntries(Object.entries(balances).map(([k, v]) => [k, v.toString()])) };
  }

  @Get('reports/margin')
  async margin(
    @Headers('authorization') auth: string | undefined,
    @Query() q: { group_by?: string; from?: string; to?: string; tenant_id?: string; format?: string },
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.authorize(auth);
    const grouping = q.group_by ?? 'tenant';
    if (!GROUPINGS.test(grouping)) throw badRequest("'group_by' must be tenant, prompt_type, model, end_user, day or tag:<name>");
    const from = q.from ? new Date(q.from) : new Date(Date.now() - 30 * 86_400_000);
    const to = q.to ? new Date(q.to) : new Date(Date.now() + 60_000);
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw badRequest("'from' and 'to' must be ISO-8601 times");
    const rows = await marginReport(this.db, grouping as MarginGrouping, from, to, q.tenant_id);
    if (q.format === 'csv') {
      await reply.header('content-type', 'text/csv; charset=utf-8').send(toCsv(rows.map((r) => ({ ...r }))));
    } else {
      await reply.header('content-type', 'application/json').send({ group_by: grouping, from: from.toISOString(), to: to.toISOString(), rows });
    }
  }

  private authorize(auth: string | undefined): void {
    if (!this.adminToken || auth !== `Bearer ${this.adminToken}`) {
      throw new HttpException({ error: { message: 'A valid admin token is required.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }, 401);
    }
  }
}

function badRequest(message: string): HttpException {
  return new HttpException({ error: { message, type: 'invalid_request_error', param: null, code: null } }, 400);
}
