// What one upstream call cost, in exact picodollars, from its token usage and the price in force.
// Pure arithmetic: no rounding anywhere (every rate is a whole number of picodollars per token).
//
// Usage semantics (the OpenAI convention, which every provider adapter normalises to):
// - promptTokens is the WHOLE prompt. cachedTokens (cache reads / hits) and cacheWriteTokens
//   (Anthropic cache creation) are parts of it, billed at their own rates instead of the input rate:
//   uncached input = promptTokens − cachedTokens − cacheWriteTokens.
// - completionTokens is the whole output. reasoningTokens (hidden thinking) are part of it, billed
//   at the reasoning rate (which defaults to the output rate): visible output = completion − reasoning.
// - requests (default 1: a usage record is one upstream call) pay perRequest each; images pay perImage.
// Usage that breaks these rules (negative, fractional, parts larger than the whole) is an adapter
// bug and throws InvalidUsage instead of being silently under- or over-charged.
import type { Picodollars } from './money';
import type { PriceVersion } from './price-catalog';

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** Included in promptTokens. */
  cachedTokens: number;
  /** Included in completionTokens. */
  reasoningTokens: number;
  /** Included in promptTokens. */
  cacheWriteTokens?: number;
  images?: number;
  /** Upstream calls covered by this usage; defaults to 1. */
  requests?: number;
}

export interface CostBreakdown {
  /** Uncached prompt tokens × input rate. */
  input: Picodollars;
  cachedInput: Picodollars;
  cacheWrite: Picodollars;
  /** Visible (non-reasoning) completion tokens × output rate. */
  output: Picodollars;
  reasoning: Picodollars;
  requestFees: Picodollars;
  imageFees: Picodollars;
  total: Picodollars;
  /** The price version used, to store with the priced event. */
  priceId: string;
}

export class InvalidUsage extends Error {
  constructor(readonly reason: string) {
    super(`invalid usage: ${reason}`);
    this.name = 'InvalidUsage';
  }
}

export function costBreakdown(usage: TokenUsage, price: PriceVersion): CostBreakdown {
  const prompt = count(usage.promptTokens, 'promptTokens');
  const completion = count(usage.completionTokens, 'completionTokens');
  const cached = count(usage.cachedTokens, 'cachedTokens');
  const reasoning = count(usage.reasoningTokens, 'reasoningTokens');
  const cacheWrite = count(usage.cacheWriteTokens ?? 0, 'cacheWriteTokens');
  const images = count(usage.images ?? 0, 'images');
  const requests = count(usage.requests ?? 1, 'requests');
  if (cached + cacheWrite > prompt) {
    throw new InvalidUsage(`cachedTokens (${cached}) + cacheWriteTokens (${cacheWrite}) exceed promptTokens (${prompt})`);
  }
  if (reasoning > completion) throw new InvalidUsage(`reasoningTokens (${reasoning}) exceed completionTokens (${completion})`);

  const lines = {
    input: (prompt - cached - cacheWrite) * price.inputPicoPerToken,
    cachedInput: cached * price.cachedInputPicoPerToken,
    cacheWrite: cacheWrite * price.cacheWritePicoPerToken,
    output: (completion - reasoning) * price.outputPicoPerToken,
    reasoning: reasoning * price.reasoningPicoPerToken,
    requestFees: requests * price.perRequestPico,
    imageFees: images * price.perImagePico,
  };
  const total = Object.values(lines).reduce((sum, line) => sum + line, 0n);
  return { ...lines, total, priceId: price.priceId };
}

/** The total of costBreakdown: picodollars for this usage at this price. */
export function costOf(usage: TokenUsage, price: PriceVersion): Picodollars {
  return costBreakdown(usage, price).total;
}

function count(value: number, field: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidUsage(`${field} must be a non-negative integer, got ${value}`);
  return BigInt(value);
}
