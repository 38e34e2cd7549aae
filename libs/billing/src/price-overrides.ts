// Operator price overrides (negotiated rates) in PostgreSQL, recorded over the billing API and
// published on the compacted price-override topic, from which every pricing process applies them
// in memory (followPriceOverrides, libs/metering).
//
// Two rules keep priced history and the topic sound:
// - An override never starts in the past (a few seconds of grace for clocks and HTTP): the price
//   of an attempt that already happened must not change.
// - A recorded override never changes (the table refuses UPDATE). A correction is a new version
//   with a later effective_from. So every message for a key on the topic is identical: billing
//   replicas may publish and republish in any order, compaction keeps one copy, and republishing
//   everything at start (the recovery for an override committed but not yet published when a
//   process died) is harmless.
import type { EventPublisher } from '@assay/messaging';
import { priceOverrideEvent } from '@assay/metering';
import { parseDecimal, PriceCatalog, priceOverrideKey, type ModelPrice } from '@assay/pricing';
import type { DataSource } from 'typeorm';

/**
 * How far in the past an override may start. Why 5 s: the same grace as plan changes — a caller's
 * clock a little ahead of billing's, and "effective now" travelling over HTTP.
 */
export const PRICE_OVERRIDE_GRACE_MS = 5_000;

/** An override that would start before now (less the grace): it would re-price the past. */
export class PriceOverrideInPast extends Error {
  constructor(
    readonly key: string,
    readonly earliest: Date,
  ) {
    super(`price override ${key} would rewrite priced history: it must start at ${earliest.toISOString()} or later`);
    this.name = 'PriceOverrideInPast';
  }
}

/** An override with the same provider, model and start is recorded with other figures. */
export class PriceOverrideExists extends Error {
  constructor(
    readonly key: string,
    readonly recorded: ModelPrice,
  ) {
    super(`price override ${key} is already recorded with other figures; a recorded price never changes, add a version with a later effective_from`);
    this.name = 'PriceOverrideExists';
  }
}

export interface RecordedPriceOverride {
  /** The override as the catalog reads it, amounts in canonical form ("2.5", not "2.50"). */
  price: ModelPrice;
  recordedAt: Date;
}

interface OverrideRow {
  provider: string;
  model: string;
  effective_from: Date;
  input_per_mtok: string;
  output_per_mtok: string;
  cached_input_per_mtok: string | null;
  cache_write_per_mtok: string | null;
  reasoning_per_mtok: string | null;
  per_request: string | null;
  per_image: string | null;
  note: string | null;
  recorded_at: Date;
}

const COLUMNS = `provider, model, effective_from, input_per_mtok::text, output_per_mtok::text, cached_input_per_mtok::text,
  cache_write_per_mtok::text, reasoning_per_mtok::text, per_request::text, per_image::text, note, recorded_at`;

/**
 * Records an override from its effective time on. Recording the same override again (a retried
 * call) changes nothing and returns `created: false`; the same provider, model and start with
 * other figures is PriceOverrideExists. Throws InvalidPriceCatalog for an entry the catalog would
 * refuse, so nothing unpriceable is ever published.
 */
export async function recordPriceOverride(db: DataSource, entry: ModelPrice, now: Date = new Date()): Promise<RecordedPriceOverride & { created: boolean }> {
  PriceCatalog.fromEntries([entry]);
  const price = canonical(entry);
  const key = priceOverrideKey(price);
  const existing = await readOverride(db, price);
  if (existing) return { ...sameOrConflict(key, existing, price), created: false };
  const earliest = new Date(now.getTime() - PRICE_OVERRIDE_GRACE_MS);
  if (new Date(price.effectiveFrom) < earliest) throw new PriceOverrideInPast(key, earliest);
  const inserted: OverrideRow[] = await db.query(
    `INSERT INTO billing.price_overrides (provider, model, effective_from, input_per_mtok, output_per_mtok, cached_input_per_mtok,
       cache_write_per_mtok, reasoning_per_mtok, per_request, per_image, note)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (provider, model, effective_from) DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      price.provider,
      price.model,
      price.effectiveFrom,
      price.inputPerMTok,
      price.outputPerMTok,
      price.cachedInputPerMTok ?? null,
      price.cacheWritePerMTok ?? null,
      price.reasoningPerMTok ?? null,
      price.perRequest ?? null,
      price.perImage ?? null,
      price.note ?? null,
    ],
  );
  if (inserted.length > 0) return { ...fromRow(inserted[0]), created: true };
  // Recorded by a concurrent call between our read and our insert.
  const raced = await readOverride(db, price);
  if (!raced) throw new Error(`price override ${key} vanished while being recorded`);
  return { ...sameOrConflict(key, raced, price), created: false };
}

/** Every recorded override, optionally of one provider and/or model, by provider, model and start. */
export async function listPriceOverrides(db: DataSource, filter: { provider?: string; model?: string } = {}): Promise<RecordedPriceOverride[]> {
  const rows: OverrideRow[] = await db.query(
    `SELECT ${COLUMNS} FROM billing.price_overrides
     WHERE ($1::text IS NULL OR provider = $1) AND ($2::text IS NULL OR model = $2)
     ORDER BY provider, model, effective_from`,
    [filter.provider ?? null, filter.model ?? null],
  );
  return rows.map(fromRow);
}

/** Publishes one recorded override on the price-override topic. */
export function publishPriceOverride(events: EventPublisher, override: RecordedPriceOverride): void {
  events.publish(priceOverrideEvent(override.price, override.recordedAt));
}

/**
 * Publishes every recorded override again; billing does this at start. It heals an override that
 * was committed but never reached the topic (the process died in between), refills the
 * in-process bus of a standalone restart, and is idempotent on the compacted topic (same key,
 * same message). Returns how many were published.
 */
export async function republishPriceOverrides(db: DataSource, events: EventPublisher): Promise<number> {
  const all = await listPriceOverrides(db);
  for (const override of all) publishPriceOverride(events, override);
  return all.length;
}

async function readOverride(db: DataSource, price: ModelPrice): Promise<RecordedPriceOverride | undefined> {
  const rows: OverrideRow[] = await db.query(`SELECT ${COLUMNS} FROM billing.price_overrides WHERE provider = $1 AND model = $2 AND effective_from = $3`, [
    price.provider,
    price.model,
    price.effectiveFrom,
  ]);
  return rows.length > 0 ? fromRow(rows[0]) : undefined;
}

function sameOrConflict(key: string, recorded: RecordedPriceOverride, wanted: ModelPrice): RecordedPriceOverride {
  if (JSON.stringify(recorded.price) !== JSON.stringify(wanted)) throw new PriceOverrideExists(key, recorded.price);
  return recorded;
}

function fromRow(r: OverrideRow): RecordedPriceOverride {
  return {
    price: canonical({
      provider: r.provider,
      model: r.model,
      effectiveFrom: new Date(r.effective_from).toISOString(),
      inputPerMTok: r.input_per_mtok,
      outputPerMTok: r.output_per_mtok,
      cachedInputPerMTok: r.cached_input_per_mtok ?? undefined,
      cacheWritePerMTok: r.cache_write_per_mtok ?? undefined,
      reasoningPerMTok: r.reasoning_per_mtok ?? undefined,
      perRequest: r.per_request ?? undefined,
      perImage: r.per_image ?? undefined,
      note: r.note ?? undefined,
    }),
    recordedAt: new Date(r.recorded_at),
  };
}

/**
 * One spelling per override, so a recorded one and a retried request compare equal: the start
 * in UTC with milliseconds, amounts without redundant zeros, fields in a fixed order, unset ones absent.
 */
function canonical(entry: ModelPrice): ModelPrice {
  const out: ModelPrice = {
    provider: entry.provider,
    model: entry.model,
    effectiveFrom: new Date(entry.effectiveFrom).toISOString(),
    inputPerMTok: canonicalDecimal(entry.inputPerMTok),
    outputPerMTok: canonicalDecimal(entry.outputPerMTok),
  };
  if (entry.cachedInputPerMTok !== undefined) out.cachedInputPerMTok = canonicalDecimal(entry.cachedInputPerMTok);
  if (entry.cacheWritePerMTok !== undefined) out.cacheWritePerMTok = canonicalDecimal(entry.cacheWritePerMTok);
  if (entry.reasoningPerMTok !== undefined) out.reasoningPerMTok = canonicalDecimal(entry.reasoningPerMTok);
  if (entry.perRequest !== undefined) out.perRequest = canonicalDecimal(entry.perRequest);
  if (entry.perImage !== undefined) out.perImage = canonicalDecimal(entry.perImage);
  if (entry.note !== undefined) out.note = entry.note;
  return out;
}

/** "2.500000" → "2.5", "007" → "7", "0.0" → "0": the same number, exactly. */
export function canonicalDecimal(input: string): string {
  let { units, scale } = parseDecimal(input, { maxDecimals: 12 });
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale--;
  }
  const digits = units.toString().padStart(scale + 1, '0');
  return scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
