import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Budgets with their leases (budget-lease.ts persisted: a budget row is locked while its account
 * changes), the settlements that make settling idempotent, and what plan changes over the API
 * need: when an assignment was recorded, and a version the usage charger checks in its own
 * statement so it never prices with an outdated schedule.
 */
export class BudgetsAndPlanChanges1764000000200 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE billing.budgets (
      budget_id text PRIMARY KEY,
      cap_units numeric(38,0) NOT NULL CHECK (cap_units >= 0),
      spent_units numeric(38,0) NOT NULL DEFAULT 0 CHECK (spent_units >= 0),
      lease_sequence bigint NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE billing.budget_leases (
      lease_id text PRIMARY KEY,
      budget_id text NOT NULL REFERENCES billing.budgets (budget_id),
      holder_id text NOT NULL,
      granted_units numeric(38,0) NOT NULL CHECK (granted_units > 0),
      remaining_units numeric(38,0) NOT NULL CHECK (remaining_units >= 0 AND remaining_units <= granted_units),
      returned_units numeric(38,0) NOT NULL DEFAULT 0 CHECK (returned_units >= 0),
      granted_at timestamptz NOT NULL DEFAULT now(),
      closed_at timestamptz
    )`);
    await q.query(`CREATE INDEX budget_leases_open ON billing.budget_leases (budget_id) WHERE closed_at IS NULL`);
    await q.query(`CREATE TABLE billing.lease_settlements (
      lease_id text NOT NULL REFERENCES billing.budget_leases (lease_id),
      settle_id text NOT NULL,
      spent_units numeric(38,0) NOT NULL,
      close boolean NOT NULL,
      returned_units numeric(38,0) NOT NULL,
      remaining_units numeric(38,0) NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (lease_id, settle_id)
    )`);
    await q.query(`ALTER TABLE billing.plan_assignments ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now()`);
    await q.query(`CREATE TABLE billing.plan_assignment_version (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      version bigint NOT NULL
    )`);
    await q.query(`INSERT INTO billing.plan_assignment_version (singleton, version) VALUES (true, 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE billing.plan_assignment_version`);
    await q.query(`ALTER TABLE billing.plan_assignments DROP COLUMN recorded_at`);
    await q.query(`DROP TABLE billing.lease_settlements`);
    await q.query(`DROP TABLE billing.budget_leases`);
    await q.query(`DROP TABLE billing.budgets`);
  }
}
