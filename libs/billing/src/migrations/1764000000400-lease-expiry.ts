import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lease lifetimes and idempotent lease grants (budget-store.ts): each lease expires unless its
 * holder renews it, so a crashed replica's slice goes back to its budget; why it was closed; and
 * the holder's request id with what it asked, so a retried grant returns the first lease.
 */
export class LeaseExpiry1764000000400 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    // Defaults (300 s, DEFAULT_LEASE_TTL_SECONDS) only so that a billing process still running the
    // previous release can grant leases during a rolling upgrade; this release always sets both.
    await q.query(`ALTER TABLE billing.budget_leases
      ADD COLUMN ttl_seconds integer NOT NULL DEFAULT 300 CHECK (ttl_seconds > 0),
      ADD COLUMN expires_at timestamptz NOT NULL DEFAULT now() + interval '300 seconds',
      ADD COLUMN closed_reason text CHECK (closed_reason IN ('returned', 'expired')),
      ADD COLUMN request_id text,
      ADD COLUMN requested_units numeric(38,0) CHECK (requested_units > 0)`);
    // Leases that were open before this release get a fresh term (the default above), so those of
    // replicas that vanished earlier are recovered too; closed ones were all returned by a holder.
    // No constraint ties closed_reason to closed_at: the previous release closes leases without a
    // reason during a rolling upgrade, and a closed lease without one counts as returned.
    await q.query(`UPDATE billing.budget_leases SET closed_reason = 'returned', expires_at = closed_at WHERE closed_at IS NOT NULL`);
    // The sweep's lookup: open leases by expiry.
    await q.query(`CREATE INDEX budget_leases_expiry ON billing.budget_leases (expires_at) WHERE closed_at IS NULL`);
    await q.query(`CREATE UNIQUE INDEX budget_leases_request ON billing.budget_leases (budget_id, holder_id, request_id) WHERE request_id IS NOT NULL`);
    // What a settlement left the lease's expiry at, so a replayed settlement answers as the first did.
    await q.query(`ALTER TABLE billing.lease_settlements ADD COLUMN expires_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE billing.lease_settlements DROP COLUMN expires_at`);
    await q.query(`DROP INDEX billing.budget_leases_request`);
    await q.query(`DROP INDEX billing.budget_leases_expiry`);
    await q.query(`ALTER TABLE billing.budget_leases
      DROP COLUMN requested_units, DROP COLUMN request_id, DROP COLUMN closed_reason, DROP COLUMN expires_at, DROP COLUMN ttl_seconds`);
  }
}
