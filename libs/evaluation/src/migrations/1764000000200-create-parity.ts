import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The evaluator's state: every judged comparison (verdicts: the evidence every decision is
 * explained by), every decision, the current qualification per (tenant, prompt type), the prompt
 * types seen with a sample prompt, and what each parity-policy request cost against what its
 * baseline would have cost (for savings). Money in picodollars, numeric, never floating point.
 */
export class CreateParity1764000000200 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS parity`);
    await q.query(`CREATE TABLE parity.verdicts (
      seq bigserial UNIQUE,
      sample_id text PRIMARY KEY,
      tenant_id text NOT NULL,
      prompt_type text NOT NULL,
      baseline_model text NOT NULL,
      candidate_model text NOT NULL,
      score numeric(2,1) NOT NULL CHECK (score IN (0, 0.5, 1)),
      judge text NOT NULL,
      judge_model text NOT NULL DEFAULT '',
      detail text NOT NULL DEFAULT '',
      eval_cost_pico numeric(38,0) NOT NULL DEFAULT 0,
      counted boolean NOT NULL,
      at timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX verdicts_prompt_type ON parity.verdicts (tenant_id, prompt_type, seq)`);
    await q.query(`CREATE TABLE parity.decisions (
      seq bigserial PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE,
      tenant_id text NOT NULL,
      prompt_type text NOT NULL,
      baseline_model text NOT NULL,
      candidate_model text NOT NULL,
      serving_model text NOT NULL,
      status text NOT NULL,
      route_status text NOT NULL,
      comparisons integer NOT NULL,
      lower_bound double precision NOT NULL,
      reason text NOT NULL,
      at timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX decisions_prompt_type ON parity.decisions (tenant_id, prompt_type, seq)`);
    await q.query(`CREATE TABLE parity.qualifications (
      tenant_id text NOT NULL,
      prompt_type text NOT NULL,
      snapshot jsonb NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, prompt_type)
    )`);
    await q.query(`CREATE TABLE parity.prompt_types (
      tenant_id text NOT NULL,
      prompt_type text NOT NULL,
      skeleton text NOT NULL,
      sample_request jsonb NOT NULL,
      first_seen_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, prompt_type)
    )`);
    // One row per request of a tenant under a parity policy, keyed by request id so a redelivered
    // RequestCompleted changes nothing; traffic counts and savings are sums over it.
    await q.query(`CREATE TABLE parity.request_costs (
      request_id text PRIMARY KEY,
      tenant_id text NOT NULL,
      prompt_type text NOT NULL,
      requested_model text NOT NULL,
      served_model text NOT NULL,
      paid_pico numeric(38,0) NOT NULL,
      baseline_pico numeric(38,0) NOT NULL,
      at timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX request_costs_prompt_type ON parity.request_costs (tenant_id, prompt_type)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA parity CASCADE`);
  }
}
