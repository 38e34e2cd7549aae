import { costBreakdown, costOf, InvalidUsage, type TokenUsage } from './cost';
import { formatUsd } from './money';
import { PriceCatalog, type ModelPrice } from './price-catalog';

const when = new Date('2025-06-01T00:00:00Z');

function priced(entry: Partial<ModelPrice>) {
  const catalog = PriceCatalog.fromEntries([
    { provider: 'p', model: 'm', effectiveFrom: '2025-01-01T00:00:00Z', inputPerMTok: '2.50', outputPerMTok: '10.00', ...entry },
  ]);
  return catalog.priceAt('p', 'm', when)!;
}

const usage = (u: Partial<TokenUsage>): TokenUsage => ({ promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0, ...u });

describe('costOf', () => {
  it('bills prompt tokens at the input rate and completion tokens at the output rate', () => {
    // 1000 × $2.50/M + 500 × $10/M = $0.0025 + $0.005 = $0.0075
    expect(costOf(usage({ promptTokens: 1000, completionTokens: 500 }), priced({}))).toBe(7_500_000_000n);
  });

  it('bills cached tokens (part of the prompt) at the cached rate instead of the input rate', () => {
    const b = costBreakdown(usage({ promptTokens: 1000, cachedTokens: 400 }), priced({ cachedInputPerMTok: '1.25' }));
    expect(b.input).toBe(600n * 2_500_000n);
    expect(b.cachedInput).toBe(400n * 1_250_000n);
    expect(b.total).toBe(2_000_000_000n);
  });

  it('bills cache writes (part of the prompt) at the cache-write rate', () => {
    const b = costBreakdown(usage({ promptTokens: 1000, cachedTokens: 100, cacheWriteTokens: 300 }), priced({ cachedInputPerMTok: '0.25', cacheWritePerMTok: '3.125' }));
    expect(b.input).toBe(600n * 2_500_000n);
    expect(b.cachedInput).toBe(100n * 250_000n);
    expect(b.cacheWrite).toBe(300n * 3_125_000n);
  });

  it('bills reasoning tokens (part of the completion) at the reasoning rate, the output rate by default', () => {
    expect(costBreakdown(usage({ completionTokens: 100, reasoningTokens: 60 }), priced({})).reasoning).toBe(60n * 10_000_000n);
    const b = costBreakdown(usage({ completionTokens: 100, reasoningTokens: 60 }), priced({ reasoningPerMTok: '20' }));
    expect(b.output).toBe(40n * 10_000_000n);
    expect(b.reasoning).toBe(60n * 20_000_000n);
  });

  it('adds a per-request fee once per request (one by default) and a per-image fee per image', () => {
    const p = priced({ perRequest: '0.001', perImage: '0.0002' });
    expect(costBreakdown(usage({}), p).requestFees).toBe(1_000_000_000n);
    expect(costBreakdown(usage({ requests: 3 }), p).requestFees).toBe(3_000_000_000n);
    expect(costBreakdown(usage({ requests: 0 }), p).requestFees).toBe(0n);
    expect(costBreakdown(usage({ images: 2 }), p).imageFees).toBe(400_000_000n);
  });

  it('makes the lines add up to the total, exactly, and names the price used', () => {
    const b = costBreakdown(
      usage({ promptTokens: 123_457, cachedTokens: 1_001, cacheWriteTokens: 77, completionTokens: 9_999, reasoningTokens: 4_321, images: 3, requests: 2 }),
      priced({ cachedInputPerMTok: '0.01875', cacheWritePerMTok: '3.125', reasoningPerMTok: '12.5', perRequest: '0.000001', perImage: '0.01' }),
    );
    expect(b.input + b.cachedInput + b.cacheWrite + b.output + b.reasoning + b.requestFees + b.imageFees).toBe(b.total);
    expect(b.priceId).toBe('list:p/m@2025-01-01T00:00:00.000Z');
  });

  it('prices a million tokens at exactly the list price', () => {
    expect(formatUsd(costOf(usage({ promptTokens: 1_000_000 }), priced({ inputPerMTok: '0.01875' })), 5)).toBe('0.01875');
  });

  it('stays exact far beyond what a float can hold', () => {
    const huge = usage({ promptTokens: Number.MAX_SAFE_INTEGER, completionTokens: Number.MAX_SAFE_INTEGER });
    expect(costOf(huge, priced({}))).toBe(BigInt(Number.MAX_SAFE_INTEGER) * 12_500_000n);
  });

  it('costs nothing for no usage at a price without fees', () => {
    expect(costOf(usage({}), priced({}))).toBe(0n);
  });

  it.each([
    [{ promptTokens: -1 }, /promptTokens/],
    [{ completionTokens: 1.5 }, /completionTokens/],
    [{ cachedTokens: Number.NaN }, /cachedTokens/],
    [{ reasoningTokens: Infinity }, /reasoningTokens/],
    [{ images: -2 }, /images/],
    [{ requests: 0.5 }, /requests/],
    [{ cacheWriteTokens: -1 }, /cacheWriteTokens/],
    [{ promptTokens: 10, cachedTokens: 11 }, /exceed promptTokens/],
    [{ promptTokens: 10, cachedTokens: 6, cacheWriteTokens: 5 }, /exceed promptTokens/],
    [{ completionTokens: 10, reasoningTokens: 11 }, /exceed completionTokens/],
  ])('rejects inconsistent usage %j', (bad, message) => {
    expect(() => costOf(usage(bad), priced({}))).toThrow(InvalidUsage);
    expect(() => costOf(usage(bad), priced({}))).toThrow(message);
  });
});
