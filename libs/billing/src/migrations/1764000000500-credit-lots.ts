import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Expiring credits (credit-lots.ts): one row per grant or purchase that carries an expiry, written
 * in the same transaction as its ledger entries, and the expiry it got, written once in the same
 * transaction as the expiry's ledger entries (zero when nothing was left, so a used-up lot is not
 * looked at again). The ledger stays the record of every movement; this table only says which
 * credits expire when. Also the lookup that caps refunds of a request at what it was charged.
 */
export class CreditLots1764000000500 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE billing.credit_lots (
      transaction_id uuid PRIMARY KEY,
      tenant_id text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('grant', 'purchase')),
      source_id text NOT NULL,
      units numeric(38,0) NOT NULL CHECK (units > 0),
      granted_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      expiry_transaction_id uuid NOT NULL UNIQUE,
      expired_units numeric(38,0) CHECK (expired_units >= 0),
      expiry_recorded_at timestamptz,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      CHECK (expires_at > granted_at),
      CHECK ((expired_units IS NULL) = (expiry_recorded_at IS NULL))
    )`);
    // The sweep's lookup: lots whose expiry is not yet worked out, by expiry.
    await q.query(`CREATE INDEX credit_lots_due ON billing.credit_lots (expires_at) WHERE expired_units IS NULL`);
    await q.query(`CREATE INDEX credit_lots_tenant ON billing.credit_lots (tenant_id)`);
    // A lot never changes, except that its expiry is recorded once.
    await q.query(`CREATE FUNCTION billing.refuse_credit_lot_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.expired_units IS NOT NULL
          OR (NEW.transaction_id, NEW.tenant_id, NEW.kind, NEW.source_id, NEW.units, NEW.granted_at, NEW.expires_at, NEW.expiry_transaction_id)
             IS DISTINCT FROM (OLD.transaction_id, OLD.tenant_id, OLD.kind, OLD.source_id, OLD.units, OLD.granted_at, OLD.expires_at, OLD.expiry_transaction_id)
        THEN RAISE EXCEPTION 'a credit lot never changes; only its expiry is recorded, once'; END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER credit_lots_immutable BEFORE UPDATE ON billing.credit_lots
      FOR EACH ROW EXECUTE FUNCTION billing.refuse_credit_lot_change()`);
    // Refunds of a request, summed before another is posted. Partial, so usage entries (nearly
    // all of the ledger) cost nothing extra to insert.
    await q.query(`CREATE INDEX ledger_entries_refunds ON billing.ledger_entries (tenant_id, request_id) WHERE kind = 'refund'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX billing.ledger_entries_refunds`);
    await q.query(`DROP TABLE billing.credit_lots`);
    await q.query(`DROP FUNCTION billing.refuse_credit_lot_change()`);
  }
}
