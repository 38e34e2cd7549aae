// Prices upstream attempts with the versioned price catalog: the price in force when the attempt
// started, for the vendor behind the configured provider. A model the catalog does not know, or
// usage that contradicts itself, is recorded unpriced (cost 0, priced=false) rather than guessed.
// The catalog is read at price time, so overrides that arrive while the process runs
// (LivePriceCatalog, fed by followPriceOverrides) apply to the next attempt without a restart.
import { costOf, InvalidUsage, LivePriceCatalog, type ModelPrice, type PriceCatalog } from '@assay/pricing';
import type { AssayConfig } from '@assay/platform';
import type { AttemptPrice, AttemptToPrice, UsagePricer } from './usage-pricer';

/** Which catalog vendor each kind of provider is priced as, unless the config says otherwise. */
const VENDOR_OF_KIND: Record<string, string | undefined> = { openai: 'openai', 'azure-openai': 'openai', anthropic: 'anthropic', gemini: 'gemini' };

export class CatalogPricer implements UsagePricer {
  constructor(
    private readonly prices: { readonly current: PriceCatalog },
    /** Configured provider name → catalog vendor. */
    private readonly vendors: ReadonlyMap<string, string>,
  ) {}

  /**
   * A pricer for the configured providers. Given a fixed PriceCatalog (list prices), the config's
   * priceOverrides are applied on top once; given a LivePriceCatalog (see livePriceCatalog(config),
   * which already holds them), every attempt is priced with whatever it holds at that moment.
   */
  static fromConfig(catalog: PriceCatalog | LivePriceCatalog, config: AssayConfig): CatalogPricer {
    const vendors = new Map<string, string>();
    for (const [name, provider] of Object.entries(config.providers)) {
      vendors.set(name, provider.priceAs ?? VENDOR_OF_KIND[provider.kind] ?? name);
    }
    const prices = catalog instanceof LivePriceCatalog ? catalog : new LivePriceCatalog(catalog, config.priceOverrides as unknown as ModelPrice[]);
    return new CatalogPricer(prices, vendors);
  }

  price(a: AttemptToPrice): AttemptPrice {
    const catalog = this.prices.current;
    const vendor = this.vendors.get(a.provider) ?? a.provider;
    const price = catalog.priceAt(vendor, a.upstreamModel, a.at) ?? catalog.priceAt(vendor, a.model, a.at);
    if (!price) return { costPico: 0n, effectiveFrom: null };
    try {
      const costPico = costOf({ promptTokens: a.promptTokens, completionTokens: a.completionTokens, cachedTokens: a.cachedTokens, reasoningTokens: a.reasoningTokens }, price);
      return { costPico, effectiveFrom: price.effectiveFrom };
    } catch (err) {
      if (err instanceof InvalidUsage) return { costPico: 0n, effectiveFrom: null };
      throw err;
    }
  }
}
