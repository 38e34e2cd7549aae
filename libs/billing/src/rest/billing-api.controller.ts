// The billing admin and report API: balances for operators, margin reports and their trend (JSON
// or CSV) for finance. Every call needs the admin bearer token. Postings (grants, purchases,
// refunds, adjustments) are credits-api.controller.ts.
import { AssayError } from '@assay/platform';
import { Controller, Get, Inject, Param, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { DataSource } from 'typeorm';
import { marginReport, marginTrend, toCsv, type MarginGrouping, type TrendPeriod } from '../billing-reports';
import { tenantBalances } from '../ledger-store';
import { AdminTokenGuard } from './admin-token.guard';
import { BILLING_DB } from './injection-tokens';

const GROUPINGS = /^(tenant|prompt_type|model|end_user|day|tag:[A-Za-z0-9_.-]+)$/;
const PERIODS: readonly TrendPeriod[] = ['day', 'week', 'month'];
/** Default trend window per period: a month of days, a quarter of weeks, a year of months. */
const DEFAULT_TREND_SPAN: Record<TrendPeriod, (to: Date) => Date> = {
  day: (to) => new Date(to.getTime() - 30 * 86_400_000),
  week: (to) => new Date(to.getTime() - 12 * 7 * 86_400_000),
  month: (to) => new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth() - 11, 1)),
};

@Controller('v1/billing')
@UseGuards(AdminTokenGuard)
export class BillingApiController {
  constructor(@Inject(BILLING_DB) private readonly db: DataSource) {}

  @Get('tenants/:tenant/balance')
  async balance(@Param('tenant') tenant: string) {
    const balances = await tenantBalances(this.db, tenant);
    return { tenant_id: tenant, unit: 'credit micro-units (1 credit = 1,000,000)', accounts: Object.fromEntries(Object.entries(balances).map(([k, v]) => [k, v.toString()])) };
  }

  @Get('reports/margin')
  async margin(@Query() q: { group_by?: string; from?: string; to?: string; tenant_id?: string; format?: string }, @Res() reply: FastifyReply): Promise<void> {
    const grouping = q.group_by ?? 'tenant';
    if (!GROUPINGS.test(grouping)) throw AssayError.invalidRequest("'group_by' must be tenant, prompt_type, model, end_user, day or tag:<name>", 'group_by');
    const to = time(q.to, 'to') ?? new Date(Date.now() + 60_000);
    const from = time(q.from, 'from') ?? new Date(Date.now() - 30 * 86_400_000);
    const rows = await marginReport(this.db, grouping as MarginGrouping, from, to, q.tenant_id);
    if (q.format === 'csv') {
      await reply.header('content-type', 'text/csv; charset=utf-8').send(toCsv(rows.map((r) => ({ ...r }))));
    } else {
      await reply.header('content-type', 'application/json').send({ group_by: grouping, from: from.toISOString(), to: to.toISOString(), rows });
    }
  }

  /** Revenue, COGS and margin per day, week or month with the change versus the period before. */
  @Get('reports/margin/trend')
  async marginTrend(@Query() q: { period?: string; from?: string; to?: string; tenant_id?: string; format?: string }, @Res() reply: FastifyReply): Promise<void> {
    const period = (q.period ?? 'day') as TrendPeriod;
    if (!PERIODS.includes(period)) throw AssayError.invalidRequest("'period' must be day, week or month", 'period');
    const to = time(q.to, 'to') ?? new Date();
    const from = time(q.from, 'from') ?? DEFAULT_TREND_SPAN[period](to);
    if (!(from < to)) throw AssayError.invalidRequest("'from' must be before 'to'", 'from');
    const trend = await marginTrend(this.db, period, from, to, q.tenant_id);
    if (q.format === 'csv') {
      await reply.header('content-type', 'text/csv; charset=utf-8').send(toCsv(trend.rows.map((r) => ({ ...r }))));
    } else {
      await reply.header('content-type', 'application/json').send({ period, from: trend.from.toISOString(), to: trend.to.toISOString(), tenant_id: q.tenant_id ?? null, rows: trend.rows });
    }
  }
}

function time(value: string | undefined, param: string): Date | undefined {
  if (value === undefined) return undefined;
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw AssayError.invalidRequest(`'${param}' must be an ISO-8601 time`, param);
  return t;
}
