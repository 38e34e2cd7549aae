// How metering prices an upstream attempt. The catalog-backed implementation lives with the
// price catalog; metering only needs this port.

export interface AttemptToPrice {
  provider: string;
  /** The provider's model name, as called. */
  upstreamModel: string;
  /** The configured model name. */
  model: string;
  at: Date;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
}

export interface AttemptPrice {
  /** Picodollars (1e-12 USD). */
  costPico: bigint;
  /** The price version used; null when the model has no price (costPico is then 0). */
  effectiveFrom: Date | null;
}

export interface UsagePricer {
  price(attempt: AttemptToPrice): AttemptPrice;
}

/** Prices nothing: for deployments that meter tokens only. */
export const UNPRICED: UsagePricer = { price: () => ({ costPico: 0n, effectiveFrom: null }) };
