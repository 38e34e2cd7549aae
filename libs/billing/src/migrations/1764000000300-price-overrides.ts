import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operator price overrides (negotiated rates) recorded over the billing API. Billing owns them
 * and publishes each on the compacted price-override topic, from which every pricing process
 * reads them. A recorded override is a price version and never changes (UPDATE is refused): a
 * correction is a new version with a later effective_from, so every copy of an override on the
 * topic is the same and the order replicas publish in cannot matter. Amounts are exact numerics
 * in USD: per million tokens with at most 6 decimals, fees with at most 12 (one picodollar).
 */
export class PriceOverrides1764000000300 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE billing.price_overrides (
      provider text NOT NULL,
      model text NOT NULL,
      effective_from timestamptz NOT NULL,
      input_per_mtok numeric(30,6) NOT NULL CHECK (input_per_mtok >= 0),
      output_per_mtok numeric(30,6) NOT NULL CHECK (output_per_mtok >= 0),
      cached_input_per_mtok numeric(30,6) CHECK (cached_input_per_mtok >= 0),
      cache_write_per_mtok numeric(30,6) CHECK (cache_write_per_mtok >= 0),
      reasoning_per_mtok numeric(30,6) CHECK (reasoning_per_mtok >= 0),
      per_request numeric(30,12) CHECK (per_request >= 0),
      per_image numeric(30,12) CHECK (per_image >= 0),
      note text,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (provider, model, effective_from)
    )`);
    await q.query(`CREATE FUNCTION billing.refuse_price_override_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'a recorded price override never changes; add a version with a later effective_from'; END $$`);
    await q.query(`CREATE TRIGGER price_overrides_immutable BEFORE UPDATE ON billing.price_overrides
      FOR EACH ROW EXECUTE FUNCTION billing.refuse_price_override_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE billing.price_overrides`);
    await q.query(`DROP FUNCTION billing.refuse_price_override_change()`);
  }
}
