import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateMetering1764000000001 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS metering`);
    await q.query(`CREATE TABLE metering.usage_records (
      event_id uuid PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('request', 'attempt')),
      request_id text NOT NULL,
      tenant_id text NOT NULL,
      key_id text NOT NULL,
      model text NOT NULL,
      provider text NOT NULL,
      attempt integer NOT NULL,
      prompt_tokens integer NOT NULL,
      completion_tokens integer NOT NULL,
      cached_tokens integer NOT NULL,
      reasoning_tokens integer NOT NULL,
      total_tokens integer NOT NULL,
      status text NOT NULL,
      http_status integer NOT NULL,
      occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX usage_records_request ON metering.usage_records (request_id)`);
    await q.query(`CREATE INDEX usage_records_tenant_time ON metering.usage_records (tenant_id, occurred_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA metering CASCADE`);
  }
}
