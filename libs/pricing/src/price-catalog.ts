// Versioned model prices: which price was in force for (provider, model) at a point in time.
// A price change is a NEW version with a later effectiveFrom; it never rewrites history, so an
// event re-priced next year costs what it cost the day it happened. Lookups run once per metered
// event: O(1) to find the model, O(log n) binary search over its versions. Never does I/O.
import { z } from 'zod';
import { decimalToScaled, InvalidMoneyAmount, parseDecimal, parseUsd, type Picodollars } from './money';

/** Where a price came from: the provider's public list, or an operator's negotiated rate. */
export type PriceSource = 'list' | 'override';

/**
 * A price as written in a catalog or an operator override: USD decimal strings, per million
 * tokens for tokens (at most 6 decimals, so one token is a whole number of picodollars), per
 * request / per image for fees (at most 12 decimals).
 */
export interface ModelPrice {
  /** Assay provider name: "openai", "anthropic", "gemini", "mistral", "groq", "deepseek", "mock", or an operator's deployment name. */
  provider: string;
  model: string;
  /** ISO 8601 date-time with offset ("2025-08-07T00:00:00Z"); in force from this instant on. */
  effectiveFrom: string;
  inputPerMTok: string;
  outputPerMTok: string;
  /** Cache-read (cache hit) input; defaults to inputPerMTok (no discount). */
  cachedInputPerMTok?: string;
  /** Cache-write input (Anthropic 5-minute writes); defaults to inputPerMTok. */
  cacheWritePerMTok?: string;
  /** Reasoning / thinking output; defaults to outputPerMTok. */
  reasoningPerMTok?: string;
  /** USD per request, added once per upstream call. */
  perRequest?: string;
  /** USD per input image. */
  perImage?: string;
  /** True when the figure was not confirmed against the provider's own page. */
  verify?: boolean;
  note?: string;
}

/** A price version ready for arithmetic: every rate in picodollars. */
export interface PriceVersion {
  /** Stable id for audit ("list:openai/gpt-4o@2024-05-13T00:00:00.000Z"); store it with each priced event. */
  priceId: string;
  source: PriceSource;
  provider: string;
  /** The catalog's model name (after alias resolution). */
  model: string;
  effectiveFrom: Date;
  inputPicoPerToken: Picodollars;
  outputPicoPerToken: Picodollars;
  cachedInputPicoPerToken: Picodollars;
  cacheWritePicoPerToken: Picodollars;
  reasoningPicoPerToken: Picodollars;
  perRequestPico: Picodollars;
  perImagePico: Picodollars;
  verify: boolean;
  /** The entry as written, for display. */
  entry: ModelPrice;
}

/** A catalog entry failed validation; `issues` lists every problem found. */
export class InvalidPriceCatalog extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid price catalog: ${issues.join('; ')}`);
    this.name = 'InvalidPriceCatalog';
  }
}

const perMTok = z.string().regex(/^\d+(\.\d{1,6})?$/, 'USD per million tokens: a non-negative decimal with at most 6 decimals');
const usdFee = z.string().regex(/^\d+(\.\d{1,12})?$/, 'USD: a non-negative decimal with at most 12 decimals');

export const modelPriceSchema = z
  .object({
    provider: z.string().min(1),
    model: z.string().min(1),
    effectiveFrom: z.iso.datetime({ offset: true }),
    inputPerMTok: perMTok,
    outputPerMTok: perMTok,
    cachedInputPerMTok: perMTok.optional(),
    cacheWritePerMTok: perMTok.optional(),
    reasoningPerMTok: perMTok.optional(),
    perRequest: usdFee.optional(),
    perImage: usdFee.optional(),
    verify: z.boolean().optional(),
    note: z.string().optional(),
  })
  .strict();

export const priceCatalogFileSchema = z
  .object({
    version: z.string().min(1),
    publishedAt: z.iso.datetime({ offset: true }),
    currency: z.literal('USD'),
    unit: z.literal('USD per 1M tokens'),
    sources: z.record(z.string(), z.object({ url: z.string(), note: z.string(), retrievedAt: z.string().optional() }).strict()),
    prices: z.array(modelPriceSchema),
  })
  .strict();

export type PriceCatalogFile = z.infer<typeof priceCatalogFileSchema>;

/**
 * Provider-reported names carry dated snapshots: "gpt-4o-mini-2024-07-18",
 * "claude-sonnet-4-5-20250929", "mistral-large-2411", "gemini-2.0-flash-001". A snapshot suffix is
 * "-" followed by a group of at least three digits, then optionally more "-digits" groups. One- or
 * two-digit groups are NOT snapshots: "claude-opus-4-6" is a different model from
 * "claude-opus-4" and must not silently inherit its price.
 */
const SNAPSHOT_SUFFIX = /^-\d{3,}(-\d+)*$/;
/** Gemini reports resource names ("models/gemini-2.5-flash"). */
const RESOURCE_PREFIX = 'models/';
/** Bound on memoised alias resolutions; model names come from providers, so the set is small in practice. */
const RESOLUTION_CACHE_LIMIT = 10_000;

interface Timeline {
  /** effectiveFrom in epoch ms, ascending; parallel to `versions`. */
  starts: number[];
  versions: PriceVersion[];
}

interface Layer {
  list: Timeline;
  override: Timeline;
}

export class PriceCatalog {
  private readonly resolutions = new Map<string, string | null>();

  private constructor(
    private readonly layers: ReadonlyMap<string, Layer>,
    private readonly modelsByProvider: ReadonlyMap<string, ReadonlySet<string>>,
    /** Catalog version ("2025-10-01.v1"), for audit. */
    readonly version: string,
  ) {}

  /** Builds a catalog of LIST prices. Throws InvalidPriceCatalog listing every invalid entry. */
  static fromEntries(entries: readonly ModelPrice[], version = 'unversioned'): PriceCatalog {
    return PriceCatalog.build(new Map(), compile(entries, 'list'), version);
  }

  /** Builds a catalog from a parsed catalog file (see catalog/price-catalog.v1.json). */
  static fromFile(file: unknown): PriceCatalog {
    const parsed = priceCatalogFileSchema.safeParse(file);
    if (!parsed.success) throw new InvalidPriceCatalog(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
    return PriceCatalog.fromEntries(parsed.data.prices, parsed.data.version);
  }

  /**
   * A new catalog where operator overrides (negotiated rates) win over list prices for the same
   * provider+model from their effectiveFrom on — even over list changes published later. Before
   * an override's effectiveFrom the list price still applies. To end a negotiated rate, add an
   * override version carrying the list figures.
   */
  withOverrides(entries: readonly ModelPrice[]): PriceCatalog {
    return PriceCatalog.build(this.layers, compile(entries, 'override'), `${this.version}+overrides`);
  }

  /** The price in force at `at` (latest effectiveFrom ≤ at), or undefined when the model is unknown or not yet priced. */
  priceAt(provider: string, model: string, at: Date): PriceVersion | undefined {
    const resolved = this.resolveModel(provider, model);
    if (resolved === undefined) return undefined;
    const layer = this.layers.get(key(provider, resolved));
    if (!layer) return undefined;
    const ms = at.getTime();
    if (Number.isNaN(ms)) throw new RangeError('priceAt: invalid date');
    return latestAtOrBefore(layer.override, ms) ?? latestAtOrBefore(layer.list, ms);
  }

  /** Every version for the model (list and overrides), oldest first. */
  versions(provider: string, model: string): PriceVersion[] {
    const resolved = this.resolveModel(provider, model);
    const layer = resolved === undefined ? undefined : this.layers.get(key(provider, resolved));
    if (!layer) return [];
    return [...layer.list.versions, ...layer.override.versions].sort(
      (a, b) => a.effectiveFrom.getTime() - b.effectiveFrom.getTime() || (a.source === b.source ? 0 : a.source === 'list' ? -1 : 1),
    );
  }

  /**
   * The catalog's name for a provider-reported model: exact match first, then the longest catalog
   * name that is a prefix followed by a snapshot suffix (see SNAPSHOT_SUFFIX).
   */
  resolveModel(provider: string, model: string): string | undefined {
    const cacheKey = key(provider, model);
    const cached = this.resolutions.get(cacheKey);
    if (cached !== undefined) return cached ?? undefined;
    const resolved = this.resolveUncached(provider, model);
    if (this.resolutions.size >= RESOLUTION_CACHE_LIMIT) this.resolutions.clear();
    this.resolutions.set(cacheKey, resolved ?? null);
    return resolved;
  }

  /** The providers and models the catalog knows, for listings and sanity checks. */
  models(): Array<{ provider: string; model: string }> {
    const out: Array<{ provider: string; model: string }> = [];
    for (const [provider, models] of this.modelsByProvider) for (const model of models) out.push({ provider, model });
    return out;
  }

  private resolveUncached(provider: string, model: string): string | undefined {
    const known = this.modelsByProvider.get(provider);
    if (!known) return undefined;
    const name = model.startsWith(RESOURCE_PREFIX) ? model.slice(RESOURCE_PREFIX.length) : model;
    if (known.has(name)) return name;
    // Cut at each '-' from the right: the first hit is the longest prefix.
    for (let i = name.lastIndexOf('-'); i > 0; i = name.lastIndexOf('-', i - 1)) {
      if (SNAPSHOT_SUFFIX.test(name.slice(i)) && known.has(name.slice(0, i))) return name.slice(0, i);
    }
    return undefined;
  }

  private static build(base: ReadonlyMap<string, Layer>, added: PriceVersion[], version: string): PriceCatalog {
    const layers = new Map<string, Layer>();
    for (const [k, layer] of base) layers.set(k, { list: copyTimeline(layer.list), override: copyTimeline(layer.override) });
    const issues: string[] = [];
    for (const price of added) {
      const k = key(price.provider, price.model);
      let layer = layers.get(k);
      if (!layer) layers.set(k, (layer = { list: emptyTimeline(), override: emptyTimeline() }));
      const timeline = layer[price.source];
      const ms = price.effectiveFrom.getTime();
      if (timeline.starts.includes(ms)) {
        issues.push(`${price.source} price for ${price.provider}/${price.model} at ${price.effectiveFrom.toISOString()} is defined twice`);
        continue;
      }
      timeline.starts.push(ms);
      timeline.versions.push(price);
    }
    if (issues.length > 0) throw new InvalidPriceCatalog(issues);
    const modelsByProvider = new Map<string, Set<string>>();
    for (const layer of layers.values()) {
      for (const timeline of [layer.list, layer.override]) {
        sortTimeline(timeline);
        for (const v of timeline.versions) {
          let models = modelsByProvider.get(v.provider);
          if (!models) modelsByProvider.set(v.provider, (models = new Set()));
          models.add(v.model);
        }
      }
    }
    return new PriceCatalog(layers, modelsByProvider, version);
  }
}

function compile(entries: readonly ModelPrice[], source: PriceSource): PriceVersion[] {
  const issues: string[] = [];
  const out: PriceVersion[] = [];
  entries.forEach((entry, index) => {
    const parsed = modelPriceSchema.safeParse(entry);
    if (!parsed.success) {
      const label = `${source} entry ${index} (${String((entry as Partial<ModelPrice>)?.provider)}/${String((entry as Partial<ModelPrice>)?.model)})`;
      for (const issue of parsed.error.issues) issues.push(`${label} ${issue.path.join('.')}: ${issue.message}`);
      return;
    }
    try {
      out.push(toVersion(parsed.data, source));
    } catch (error) {
      if (!(error instanceof InvalidMoneyAmount)) throw error;
      issues.push(`${source} entry ${index}: ${error.message}`);
    }
  });
  if (issues.length > 0) throw new InvalidPriceCatalog(issues);
  return out;
}

function toVersion(entry: ModelPrice, source: PriceSource): PriceVersion {
  const effectiveFrom = new Date(entry.effectiveFrom);
  const input = perTokenPico(entry.inputPerMTok);
  const output = perTokenPico(entry.outputPerMTok);
  return {
    priceId: `${source}:${entry.provider}/${entry.model}@${effectiveFrom.toISOString()}`,
    source,
    provider: entry.provider,
    model: entry.model,
    effectiveFrom,
    inputPicoPerToken: input,
    outputPicoPerToken: output,
    cachedInputPicoPerToken: entry.cachedInputPerMTok === undefined ? input : perTokenPico(entry.cachedInputPerMTok),
    cacheWritePicoPerToken: entry.cacheWritePerMTok === undefined ? input : perTokenPico(entry.cacheWritePerMTok),
    reasoningPicoPerToken: entry.reasoningPerMTok === undefined ? output : perTokenPico(entry.reasoningPerMTok),
    perRequestPico: entry.perRequest === undefined ? 0n : parseUsd(entry.perRequest),
    perImagePico: entry.perImage === undefined ? 0n : parseUsd(entry.perImage),
    verify: entry.verify ?? false,
    entry,
  };
}

/** USD per million tokens → picodollars per token (exact: at most 6 decimals are accepted). */
export function perTokenPico(usdPerMTok: string): Picodollars {
  return decimalToScaled(parseDecimal(usdPerMTok, { maxDecimals: 6 }), 6);
}

function latestAtOrBefore(timeline: Timeline, ms: number): PriceVersion | undefined {
  const { starts } = timeline;
  let lo = 0;
  let hi = starts.length; // first index with start > ms
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid] <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : timeline.versions[lo - 1];
}

function key(provider: string, model: string): string {
  return `${provider}\u0000${model}`;
}

function emptyTimeline(): Timeline {
  return { starts: [], versions: [] };
}

function copyTimeline(t: Timeline): Timeline {
  return { starts: [...t.starts], versions: [...t.versions] };
}

function sortTimeline(t: Timeline): void {
  t.versions.sort((a, b) => a.effectiveFrom.getTime() - b.effectiveFrom.getTime());
  t.starts = t.versions.map((v) => v.effectiveFrom.getTime());
}
