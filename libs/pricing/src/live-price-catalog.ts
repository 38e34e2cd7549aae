// The price catalog a running process prices with: the shipped list prices, the operator's
// config overrides, and the overrides operators add later over the billing API (they arrive on the
// price-override topic). Pricers read `current` at price time; new overrides swap in a new
// immutable catalog, so a price lookup never waits and never sees a half-applied change. Pure:
// whoever feeds it does the I/O. History is safe by construction: an override only changes prices
// from its effectiveFrom on (PriceCatalog's versioning), and billing refuses effective times in the
// past.
import { InvalidPriceCatalog, PriceCatalog, type ModelPrice } from './price-catalog';

/** An override that was not applied, and why (the catalog's own validation message). */
export interface RejectedOverride {
  entry: ModelPrice;
  reason: string;
}

/**
 * The identity of an override: provider, model and the instant it starts. Two entries with the same
 * identity are the same price version, whatever the spelling of the time ("…Z" or "….000Z").
 */
export function priceOverrideKey(entry: Pick<ModelPrice, 'provider' | 'model' | 'effectiveFrom'>): string {
  const at = new Date(entry.effectiveFrom);
  return `${entry.provider}/${entry.model}/${Number.isNaN(at.getTime()) ? entry.effectiveFrom : at.toISOString()}`;
}

/**
 * The overrides in force: the base (config) entries, with `added` (API) entries replacing a base
 * entry of the same provider, model and effective instant, and adding the rest. Later entries of
 * `added` win over earlier ones with the same identity. Order: base first, as given, then the new ones.
 */
export function mergePriceOverrides(base: readonly ModelPrice[], added: readonly ModelPrice[]): ModelPrice[] {
  const merged = new Map<string, ModelPrice>();
  for (const entry of base) merged.set(priceOverrideKey(entry), entry);
  for (const entry of added) merged.set(priceOverrideKey(entry), entry);
  return [...merged.values()];
}

export class LivePriceCatalog {
  private catalog: PriceCatalog;
  private readonly added = new Map<string, ModelPrice>();

  /**
   * @param list the list prices (loadDefaultCatalog())
   * @param configured overrides from config: the base the API's overrides are merged onto.
   * Throws InvalidPriceCatalog when they are invalid: config is checked once, at start-up.
   */
  constructor(
    private readonly list: PriceCatalog,
    private readonly configured: readonly ModelPrice[] = [],
  ) {
    this.catalog = configured.length > 0 ? list.withOverrides(configured) : list;
  }

  /** The catalog to price with now. Read it at price time; do not keep it. */
  get current(): PriceCatalog {
    return this.catalog;
  }

  /** The overrides applied since start (from the topic), oldest identity first. */
  addedOverrides(): ModelPrice[] {
    return [...this.added.values()];
  }

  /**
   * Applies overrides (one catalog rebuild for the lot). An entry the catalog refuses is left out
   * and reported, the others still apply: one bad message on a topic must not stop every later
   * price change. Re-applying an entry already in force changes nothing.
   */
  apply(entries: readonly ModelPrice[]): { applied: number; rejected: RejectedOverride[] } {
    const rejected: RejectedOverride[] = [];
    let applied = 0;
    const next = new Map(this.added);
    for (const entry of entries) {
      const problem = invalidity(entry);
      if (problem !== null) {
        rejected.push({ entry, reason: problem });
        continue;
      }
      const key = priceOverrideKey(entry);
      if (!sameEntry(next.get(key), entry)) applied++;
      next.set(key, entry);
    }
    if (applied === 0) return { applied, rejected };
    this.catalog = this.list.withOverrides(mergePriceOverrides(this.configured, [...next.values()]));
    this.added.clear();
    for (const [k, v] of next) this.added.set(k, v);
    return { applied, rejected };
  }
}

const EMPTY = PriceCatalog.fromEntries([], 'empty');

/** Null when the catalog accepts the entry on its own, else its validation message. */
function invalidity(entry: ModelPrice): string | null {
  try {
    EMPTY.withOverrides([entry]);
    return null;
  } catch (error) {
    if (error instanceof InvalidPriceCatalog) return error.issues.join('; ');
    throw error;
  }
}

function sameEntry(a: ModelPrice | undefined, b: ModelPrice): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
