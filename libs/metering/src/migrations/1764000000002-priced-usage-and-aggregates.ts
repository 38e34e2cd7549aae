import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Prices every usage record and keeps hourly aggregates beside the raw records. Money is in
 * picodollars (1e-12 USD) as numeric(38,0): exact, and list prices per token are whole numbers
 * in that unit.
 */
export class PricedUsageAndAggregates1764000000002 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE metering.usage_records
      ADD COLUMN operation text NOT NULL DEFAULT 'chat',
      ADD COLUMN team_id text NOT NULL DEFAULT '',
      ADD COLUMN end_user text NOT NULL DEFAULT '',
      ADD COLUMN prompt_type text NOT NULL DEFAULT '',
      ADD COLUMN tags jsonb NOT NULL DEFAULT '{}'::jsonb,
      ADD COLUMN cost_pico numeric(38,0) NOT NULL DEFAULT 0,
      ADD COLUMN priced boolean NOT NULL DEFAULT false,
      ADD COLUMN price_effective_from timestamptz,
      ADD COLUMN usage_estimated boolean NOT NULL DEFAULT false`);
    // One row per hour and combination of dimensions; daily figures are sums of these.
    await q.query(`CREATE TABLE metering.usage_hourly (
      hour timestamptz NOT NULL,
      kind text NOT NULL,
      operation text NOT NULL,
      tenant_id text NOT NULL,
      team_id text NOT NULL,
      key_id text NOT NULL,
      end_user text NOT NULL,
      model text NOT NULL,
      provider text NOT NULL,
      prompt_type text NOT NULL,
      events bigint NOT NULL,
      failed bigint NOT NULL,
      prompt_tokens bigint NOT NULL,
      completion_tokens bigint NOT NULL,
      cached_tokens bigint NOT NULL,
      reasoning_tokens bigint NOT NULL,
      cost_pico numeric(38,0) NOT NULL,
      PRIMARY KEY (hour, kind, operation, tenant_id, team_id, key_id, end_user, model, provider, prompt_type)
    )`);
    await q.query(`CREATE INDEX usage_hourly_tenant ON metering.usage_hourly (tenant_id, hour)`);
    // Records written before this migration get their aggregates now.
    await q.query(`INSERT INTO metering.usage_hourly
      SELECT date_trunc('hour', occurred_at), kind, operation, tenant_id, team_id, key_id, end_user, model, provider, prompt_type,
        count(*), count(*) FILTER (WHERE status <> 'ok'), sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens),
        sum(reasoning_tokens), sum(cost_pico)
      FROM metering.usage_records GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`);
    // Feature tags are many per request, so they get their own rollup.
    await q.query(`CREATE TABLE metering.usage_hourly_tags (
      hour timestamptz NOT NULL,
      kind text NOT NULL,
      tenant_id text NOT NULL,
      tag_key text NOT NULL,
      tag_value text NOT NULL,
      events bigint NOT NULL,
      prompt_tokens bigint NOT NULL,
      completion_tokens bigint NOT NULL,
      cost_pico numeric(38,0) NOT NULL,
      PRIMARY KEY (hour, kind, tenant_id, tag_key, tag_value)
    )`);
    await q.query(`INSERT INTO metering.usage_hourly_tags
      SELECT date_trunc('hour', occurred_at), kind, tenant_id, t.key, t.value, count(*), sum(prompt_tokens), sum(completion_tokens), sum(cost_pico)
      FROM metering.usage_records, jsonb_each_text(tags) t GROUP BY 1, 2, 3, 4, 5`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE metering.usage_hourly_tags`);
    await q.query(`DROP TABLE metering.usage_hourly`);
    await q.query(`ALTER TABLE metering.usage_records DROP COLUMN operation, DROP COLUMN team_id, DROP COLUMN end_user,
      DROP COLUMN prompt_type, DROP COLUMN tags, DROP COLUMN cost_pico, DROP COLUMN priced, DROP COLUMN price_effective_from, DROP COLUMN usage_estimated`);
  }
}
