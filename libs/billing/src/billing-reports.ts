// Finance reports from billing's own tables: what each request was charged (revenue) and what
// its upstream attempts cost (COGS), grouped as finance asks. Money is returned as exact decimal
// strings in USD.
import { divideRounded } from '@assay/pricing';
import type { DataSource } from 'typeorm';

export type MarginGrouping = 'tenant' | 'prompt_type' | 'model' | 'end_user' | 'day' | `tag:${string}`;

export interface MarginRow {
  group: string;
  requests: number;
  credits: string;
  revenueUsd: string;
  cogsUsd: string;
  marginUsd: string;
  /** (revenue − COGS) / revenue, 4 decimals; null without revenue. */
  marginRatio: string | null;
}

function groupExpression(grouping: MarginGrouping): { sql: string; param?: string } {
  switch (grouping) {
    case 'tenant': return { sql: 'tenant_id' };
    case 'prompt_type': return { sql: 'prompt_type' };
    case 'model': return { sql: 'model' };
    case 'end_user': return { sql: 'end_user' };
    case 'day': return { sql: `to_char(date_trunc('day', started_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')` };
    default: return { sql: `coalesce(tags ->> $4, '')`, param: grouping.slice(4) };
  }
}

export async function marginReport(db: DataSource, grouping: MarginGrouping, from: Date, to: Date, tenantId?: string): Promise<MarginRow[]> {
  const group = groupExpression(grouping);
  const params: unknown[] = [from, to, tenantId ?? null];
  if (group.param !== undefined) params.push(group.param);
  const rows: Array<{ grp: string; requests: number; credits: string; revenue: string; cogs: string }> = await db.query(
    `SELECT ${group.sql} AS grp, count(*)::int AS requests, sum(credits)::text AS credits,
       sum(revenue_pico)::text AS revenue, sum(cogs_pico)::text AS cogs
     FROM billing.request_charges
     WHERE started_at >= $1 AND started_at < $2 AND ($3::text IS NULL OR tenant_id = $3)
     GROUP BY 1 ORDER BY sum(cogs_pico) DESC, 1`,
    params,
  );
  return rows.map((r) => {
    const revenue = BigInt(r.revenue);
    const cogs = BigInt(r.cogs);
    const margin = revenue - cogs;
    return {
      group: r.grp,
      requests: r.requests,
      credits: r.credits,
      revenueUsd: picoToUsd(revenue),
      cogsUsd: picoToUsd(cogs),
      marginUsd: picoToUsd(margin),
      marginRatio: revenue === 0n ? null : ratio(margin, revenue),
    };
  });
}

/** Exact decimal USD with 12 places, trimmed. */
export function picoToUsd(pico: bigint): string {
  const negative = pico < 0n;
  const abs = negative ? -pico : pico;
  const whole = abs / 1_000_000_000_000n;
  const frac = (abs % 1_000_000_000_000n).toString().padStart(12, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? '.' + frac : ''}`;
}

function ratio(num: bigint, den: bigint): string {
  const scaled = (num * 10_000n) / den;
  const negative = scaled < 0n;
  const abs = negative ? -scaled : scaled;
  return `${negative ? '-' : ''}${abs / 10_000n}.${(abs % 10_000n).toString().padStart(4, '0')}`;
}

export type TrendPeriod = 'day' | 'week' | 'month';

/** One period's totals, as summed by the database. */
export interface PeriodTotals {
  /** First day of the period, YYYY-MM-DD (UTC; weeks start on Monday). */
  start: string;
  requests: number;
  credits: bigint;
  revenuePico: bigint;
  cogsPico: bigint;
}

export interface MarginTrendRow {
  /** First day of the period, YYYY-MM-DD (UTC; weeks start on Monday). */
  period: string;
  requests: number;
  credits: string;
  revenueUsd: string;
  cogsUsd: string;
  marginUsd: string;
  /** (revenue − COGS) / revenue × 100 with 2 decimals, rounded half away from zero; null without revenue. */
  marginPct: string | null;
  /** Versus the period before (which may lie before `from`): exact USD differences. */
  revenueChangeUsd: string;
  cogsChangeUsd: string;
  marginChangeUsd: string;
  /** Revenue change in percent of the previous period's revenue, 2 decimals; null when that was zero. */
  revenueChangePct: string | null;
  /** Change of marginPct in percentage points (of the rounded values shown); null when either is null. */
  marginPctChange: string | null;
}

export interface MarginTrend {
  period: TrendPeriod;
  /** The whole periods covered: from the start of the period holding `from` to the end of the one holding the last instant before `to`. */
  from: Date;
  to: Date;
  rows: MarginTrendRow[];
}

/**
 * Why 1,000: about three years of days, twenty of weeks, eighty of months; a longer series is a
 * request for a coarser period, not for more rows.
 */
export const MAX_TREND_PERIODS = 1_000;

export class TrendRangeTooLong extends RangeError {
  constructor(readonly periods: number) {
    super(`the range spans ${periods} periods; at most ${MAX_TREND_PERIODS} per trend, choose a coarser period`);
    this.name = 'TrendRangeTooLong';
  }
}

/**
 * Revenue, COGS and margin per day, week or month (UTC), each with its change versus the period
 * before. Covers whole periods, empty ones included (all zero), so "the previous period" is
 * always the calendar one; the period before the first is read too, for the first row's change.
 */
export async function marginTrend(db: DataSource, period: TrendPeriod, from: Date, to: Date, tenantId?: string): Promise<MarginTrend> {
  if (!(from < to)) throw new RangeError("'from' must be before 'to'");
  const periods = periodCount(period, from, to);
  if (periods > MAX_TREND_PERIODS) throw new TrendRangeTooLong(periods);
  const step = `1 ${period}`;
  const rows: Array<{ start: string; requests: number; credits: string; revenue: string; cogs: string }> = await db.query(
    `WITH bounds AS (
       SELECT date_trunc($1, $2::timestamptz AT TIME ZONE 'UTC') - $3::interval AS first_start,
              date_trunc($1, ($4::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC') AS last_start
     ),
     periods AS (
       SELECT generate_series(first_start, last_start, $3::interval) AS start FROM bounds
     ),
     sums AS (
       SELECT date_trunc($1, c.started_at AT TIME ZONE 'UTC') AS start, count(*)::int AS requests,
         sum(c.credits) AS credits, sum(c.revenue_pico) AS revenue, sum(c.cogs_pico) AS cogs
       FROM billing.request_charges c, bounds b
       WHERE c.started_at >= b.first_start AT TIME ZONE 'UTC' AND c.started_at < (b.last_start + $3::interval) AT TIME ZONE 'UTC'
         AND ($5::text IS NULL OR c.tenant_id = $5)
       GROUP BY 1
     )
     SELECT to_char(p.start, 'YYYY-MM-DD') AS start, coalesce(s.requests, 0) AS requests, coalesce(s.credits, 0)::text AS credits,
       coalesce(s.revenue, 0)::text AS revenue, coalesce(s.cogs, 0)::text AS cogs
     FROM periods p LEFT JOIN sums s USING (start) ORDER BY p.start`,
    [period, from, step, to, tenantId ?? null],
  );
  const totals: PeriodTotals[] = rows.map((r) => ({ start: r.start, requests: r.requests, credits: BigInt(r.credits), revenuePico: BigInt(r.revenue), cogsPico: BigInt(r.cogs) }));
  const first = totals[1]?.start ?? totals[0].start;
  return { period, from: new Date(`${first}T00:00:00Z`), to: addPeriod(period, new Date(`${totals[totals.length - 1].start}T00:00:00Z`)), rows: trendRows(totals) };
}

/** Rows for every period but the first, which only serves as the "previous period" of the second. Pure. */
export function trendRows(totals: readonly PeriodTotals[]): MarginTrendRow[] {
  const rows: MarginTrendRow[] = [];
  for (let i = 1; i < totals.length; i++) {
    const prev = totals[i - 1];
    const cur = totals[i];
    const margin = cur.revenuePico - cur.cogsPico;
    const prevMargin = prev.revenuePico - prev.cogsPico;
    const pct = hundredthsOfPercent(margin, cur.revenuePico);
    const prevPct = hundredthsOfPercent(prevMargin, prev.revenuePico);
    rows.push({
      period: cur.start,
      requests: cur.requests,
      credits: cur.credits.toString(),
      revenueUsd: picoToUsd(cur.revenuePico),
      cogsUsd: picoToUsd(cur.cogsPico),
      marginUsd: picoToUsd(margin),
      marginPct: pct === null ? null : fixed2(pct),
      revenueChangeUsd: picoToUsd(cur.revenuePico - prev.revenuePico),
      cogsChangeUsd: picoToUsd(cur.cogsPico - prev.cogsPico),
      marginChangeUsd: picoToUsd(margin - prevMargin),
      revenueChangePct: prev.revenuePico === 0n ? null : fixed2(hundredthsOfPercent(cur.revenuePico - prev.revenuePico, prev.revenuePico)!),
      marginPctChange: pct === null || prevPct === null ? null : fixed2(pct - prevPct),
    });
  }
  return rows;
}

/** num / den × 100, in hundredths, rounded half away from zero; null when den is zero. */
function hundredthsOfPercent(num: bigint, den: bigint): bigint | null {
  return den === 0n ? null : divideRounded(num * 10_000n, den, 'half-away-from-zero');
}

function fixed2(hundredths: bigint): string {
  const negative = hundredths < 0n;
  const abs = negative ? -hundredths : hundredths;
  return `${negative ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

function addPeriod(period: TrendPeriod, start: Date): Date {
  const d = new Date(start);
  if (period === 'day') d.setUTCDate(d.getUTCDate() + 1);
  else if (period === 'week') d.setUTCDate(d.getUTCDate() + 7);
  else d.setUTCMonth(d.getUTCMonth() + 1);
  return d;
}

/** How many periods [from, to) touches, counted on the calendar (UTC). */
export function periodCount(period: TrendPeriod, from: Date, to: Date): number {
  const last = new Date(to.getTime() - 1);
  if (period === 'month') return (last.getUTCFullYear() - from.getUTCFullYear()) * 12 + last.getUTCMonth() - from.getUTCMonth() + 1;
  const dayIndex = (d: Date) => Math.floor(d.getTime() / 86_400_000);
  if (period === 'day') return dayIndex(last) - dayIndex(from) + 1;
  // 1970-01-01 was a Thursday: shift by 3 days so weeks start on Monday, as date_trunc('week') does.
  const weekIndex = (d: Date) => Math.floor((dayIndex(d) + 3) / 7);
  return weekIndex(last) - weekIndex(from) + 1;
}

export function toCsv(rows: ReadonlyArray<Record<string, unknown>>): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}
