// Finance reports from billing's own tables: what each request was charged (revenue) and what
// its upstream attempts cost (COGS), grouped as finance asks. Money is returned as exact decimal
// strings in USD.
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

export function toCsv(rows: ReadonlyArray<Record<string, unknown>>): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}
