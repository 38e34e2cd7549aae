import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The credits ledger (append-only, double entry, integer credit micro-units), what each request
 * was charged and cost, the outbox that feeds the finance topic, and plan assignments.
 */
export class CreateBilling1764000000100 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS billing`);
    await q.query(`CREATE TABLE billing.ledger_entries (
      entry_id uuid PRIMARY KEY,
      transaction_id uuid NOT NULL,
      account text NOT NULL,
      amount numeric(38,0) NOT NULL,
      kind text NOT NULL,
      tenant_id text NOT NULL,
      request_id text,
      reference text,
      effective_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX ledger_entries_account ON billing.ledger_entries (account)`);
    await q.query(`CREATE INDEX ledger_entries_tenant_time ON billing.ledger_entries (tenant_id, effective_at)`);
    await q.query(`CREATE INDEX ledger_entries_transaction ON billing.ledger_entries (transaction_id)`);
    // The ledger is append-only: corrections are new entries, never edits.
    await q.query(`CREATE FUNCTION billing.refuse_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'billing.ledger_entries is append-only'; END $$`);
    await q.query(`CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON billing.ledger_entries
      FOR EACH ROW EXECUTE FUNCTION billing.refuse_ledger_change()`);
    await q.query(`CREATE TABLE billing.request_charges (
      request_id text PRIMARY KEY,
      tenant_id text NOT NULL,
      started_at timestamptz NOT NULL,
      prompt_type text NOT NULL DEFAULT '',
      model text NOT NULL DEFAULT '',
      end_user text NOT NULL DEFAULT '',
      tags jsonb NOT NULL DEFAULT '{}'::jsonb,
      plan_id text,
      credits numeric(38,0) NOT NULL DEFAULT 0,
      revenue_pico numeric(38,0) NOT NULL DEFAULT 0,
      cogs_pico numeric(38,0) NOT NULL DEFAULT 0,
      attempts_costed integer NOT NULL DEFAULT 0
    )`);
    await q.query(`CREATE INDEX request_charges_tenant_time ON billing.request_charges (tenant_id, started_at)`);
    await q.query(`CREATE TABLE billing.costed_attempts (event_id uuid PRIMARY KEY)`);
    await q.query(`CREATE TABLE billing.outbox (
      id bigserial PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE,
      topic text NOT NULL,
      key text NOT NULL,
      payload bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz
    )`);
    await q.query(`CREATE INDEX outbox_unpublished ON billing.outbox (id) WHERE published_at IS NULL`);
    await q.query(`CREATE TABLE billing.plan_assignments (
      tenant_id text NOT NULL,
      plan_id text NOT NULL,
      effective_from timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, effective_from)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA billing CASCADE`);
  }
}
