import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Daily usage aggregates (UTC days) as views over the hourly ones, so they cannot drift from them:
 * nothing stores a daily figure, each is the sum of its day's hours when it is read. Read them
 * with a tenant (and a day range): the tenant narrows the hourly rows through their index before
 * they are summed.
 */
export class UsageDaily1764000000003 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE VIEW metering.usage_daily AS
      SELECT date_trunc('day', hour, 'UTC') AS day, kind, operation, tenant_id, team_id, key_id, end_user, model, provider, prompt_type,
        sum(events)::bigint AS events, sum(failed)::bigint AS failed, sum(prompt_tokens)::bigint AS prompt_tokens,
        sum(completion_tokens)::bigint AS completion_tokens, sum(cached_tokens)::bigint AS cached_tokens,
        sum(reasoning_tokens)::bigint AS reasoning_tokens, sum(cost_pico)::numeric(38,0) AS cost_pico
      FROM metering.usage_hourly
      GROUP BY 1, kind, operation, tenant_id, team_id, key_id, end_user, model, provider, prompt_type`);
    await q.query(`CREATE VIEW metering.usage_daily_tags AS
      SELECT date_trunc('day', hour, 'UTC') AS day, kind, tenant_id, tag_key, tag_value,
        sum(events)::bigint AS events, sum(prompt_tokens)::bigint AS prompt_tokens,
        sum(completion_tokens)::bigint AS completion_tokens, sum(cost_pico)::numeric(38,0) AS cost_pico
      FROM metering.usage_hourly_tags
      GROUP BY 1, kind, tenant_id, tag_key, tag_value`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW metering.usage_daily_tags`);
    await q.query(`DROP VIEW metering.usage_daily`);
  }
}
