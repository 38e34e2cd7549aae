// Prices upstream attempts with the versioned price catalog: the price in force when the attempt
// started, for the vendor behind the configured provider. A model the catalog does not know, or
// usage that contradicts itself, is recorded unpriced (cost 0, priced=false) rather than guessed.
import { costOf, InvalidUsage, type PriceCatalog } from '@assay/pricing';
import type { AssayConfig } from '@assay/platform';
import type { AttemptPrice, AttemptToPrice, UsagePricer } from './usage-pricer';

/** Which catalog vendor each kind of provider is priced as, unless the config says otherwise. */
const VENDOR_OF_KIND: Record<string, string | undefined> = { openai: 'openai', 'azure-openai': 'openai', anthropic: 'anthropic', gemini: 'gemini' };

export class CatalogPricer implements UsagePricer {
  constructor(
    private readonly catalog: PriceCatalog,
    /** Configured provider name → catalog vendor. */
    private readonly vendors: ReadonlyMap<string, string>,
  ) {}

  static fromConfig(catalog: PriceCatalog, config: AssayConfig): CatalogPricer {
    const vendors = new Map<string, string>();
    for (const [name, provider] of Object.entries(config.providers)) {
      vendors.set(name, provider.priceAs ?? VENDOR_OF_KIND[provider.kind] ?? name);
    }
    const priced = config.priceOverrides.length > 0 ? catalog.withOverrides(config.priceOverrides as unknown as Parameters<PriceCatalog['withOverrides']>[0]) : catalog;
    return new CatalogPricer(priced, vendors);
  }

  price(a: AttemptToPrice): AttemptPrice {
    const vendor = this.vendors.get(a.provider) ?? a.provider;
    const price = this.catalog.priceAt(vendor, a.upstreamModel, a.at) ?? this.catalog.priceAt(vendor, a.model, a.at);
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
