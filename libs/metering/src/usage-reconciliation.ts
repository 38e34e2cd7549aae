// Recomputes every hourly aggregate from the raw usage records and reports each difference.
// The aggregates are maintained in the same transaction as the records, so any difference is a
// bug (or a hand edit): this is the auditor's check, run by `npm run reconcile` and by the tests.
// The daily aggregates (metering.usage_daily, usage_daily_tags) are views summing the hourly
// tables, consistent with them by construction: checking the hourly aggregates against the
// records checks the daily ones too, so they need no check of their own.
import type { DataSource } from 'typeorm';

export interface AggregateDifference {
  table: 'usage_hourly' | 'usage_hourly_tags';
  key: Record<string, string>;
  stored: Record<string, string> | null;
  recomputed: Record<string, string> | null;
}

const HOURLY_DIMS = ['kind', 'operation', 'tenant_id', 'team_id', 'key_id', 'end_user', 'model', 'provider', 'prompt_type'];

export async function reconcileUsage(db: DataSource): Promise<AggregateDifference[]> {
  const dims = HOURLY_DIMS.join(', ');
  const hourly: Array<Record<string, string | null>> = await db.query(`
    WITH recomputed AS (
      SELECT date_trunc('hour', occurred_at) AS hour, ${dims},
        count(*)::text AS events, count(*) FILTER (WHERE status <> 'ok')::text AS failed,
        sum(prompt_tokens)::text AS prompt_tokens, sum(completion_tokens)::text AS completion_tokens,
        sum(cached_tokens)::text AS cached_tokens, sum(reasoning_tokens)::text AS reasoning_tokens, sum(cost_pico)::text AS cost_pico
      FROM metering.usage_records GROUP BY 1, ${dims}),
    stored AS (
      SELECT hour, ${dims}, events::text, failed::text, prompt_tokens::text, completion_tokens::text, cached_tokens::text,
        reasoning_tokens::text, cost_pico::text FROM metering.usage_hourly)
    SELECT to_json(s) AS stored, to_json(r) AS recomputed
    FROM stored s FULL OUTER JOIN recomputed r USING (hour, ${dims})
    WHERE s IS DISTINCT FROM r`);
  const tags: Array<Record<string, string | null>> = await db.query(`
    WITH recomputed AS (
      SELECT date_trunc('hour', occurred_at) AS hour, kind, tenant_id, t.key AS tag_key, t.value AS tag_value,
        count(*)::text AS events, sum(prompt_tokens)::text AS prompt_tokens, sum(completion_tokens)::text AS completion_tokens, sum(cost_pico)::text AS cost_pico
      FROM metering.usage_records, jsonb_each_text(tags) t GROUP BY 1, 2, 3, 4, 5),
    stored AS (
      SELECT hour, kind, tenant_id, tag_key, tag_value, events::text, prompt_tokens::text, completion_tokens::text, cost_pico::text
      FROM metering.usage_hourly_tags)
    SELECT to_json(s) AS stored, to_json(r) AS recomputed
    FROM stored s FULL OUTER JOIN recomputed r USING (hour, kind, tenant_id, tag_key, tag_value)
    WHERE s IS DISTINCT FROM r`);
  const describe = (table: AggregateDifference['table'], keyCols: string[]) => (row: Record<string, unknown>): AggregateDifference => {
    const stored = row.stored as Record<string, string> | null;
    const recomputed = row.recomputed as Record<string, string> | null;
    const any = (stored ?? recomputed)!;
    return { table, key: Object.fromEntries(keyCols.map((k) => [k, String(any[k])])), stored, recomputed };
  };
  return [
    ...hourly.map(describe('usage_hourly', ['hour', ...HOURLY_DIMS])),
    ...tags.map(describe('usage_hourly_tags', ['hour', 'kind', 'tenant_id', 'tag_key', 'tag_value'])),
  ];
}
