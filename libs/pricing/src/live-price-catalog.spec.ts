import { LivePriceCatalog, mergePriceOverrides, priceOverrideKey } from './live-price-catalog';
import { PriceCatalog, type ModelPrice } from './price-catalog';

const at = (iso: string) => new Date(iso);

function price(fields: Partial<ModelPrice> & Pick<ModelPrice, 'model' | 'effectiveFrom'>): ModelPrice {
  return { provider: 'openai', inputPerMTok: '1', outputPerMTok: '2', ...fields };
}

const list = PriceCatalog.fromEntries([price({ model: 'gpt-x', effectiveFrom: '2025-01-01T00:00:00Z', inputPerMTok: '10', outputPerMTok: '40' })], 'test.v1');

describe('mergePriceOverrides', () => {
  it('lets an added override replace a configured one of the same provider, model and instant, however the time is spelled', () => {
    const configured = price({ model: 'gpt-x', effectiveFrom: '2026-01-01T00:00:00Z', inputPerMTok: '5' });
    const added = price({ model: 'gpt-x', effectiveFrom: '2026-01-01T01:00:00+01:00', inputPerMTok: '4' });
    expect(mergePriceOverrides([configured], [added])).toEqual([added]);
  });

  it('keeps configured overrides of other models or instants, and adds the new ones after them', () => {
    const a = price({ model: 'gpt-x', effectiveFrom: '2026-01-01T00:00:00Z' });
    const b = price({ model: 'gpt-y', effectiveFrom: '2026-01-01T00:00:00Z' });
    const c = price({ model: 'gpt-x', effectiveFrom: '2026-02-01T00:00:00Z' });
    expect(mergePriceOverrides([a, b], [c])).toEqual([a, b, c]);
  });

  it('keeps the last of several added entries with one identity', () => {
    const first = price({ model: 'gpt-x', effectiveFrom: '2026-01-01T00:00:00Z', inputPerMTok: '3' });
    const second = price({ model: 'gpt-x', effectiveFrom: '2026-01-01T00:00:00.000Z', inputPerMTok: '2' });
    expect(mergePriceOverrides([], [first, second])).toEqual([second]);
  });

  it('names an override by provider, model and the instant in UTC with milliseconds', () => {
    expect(priceOverrideKey({ provider: 'openai', model: 'gpt-x', effectiveFrom: '2026-06-01T02:00:00+02:00' })).toBe('openai/gpt-x/2026-06-01T00:00:00.000Z');
  });
});

describe('LivePriceCatalog', () => {
  it('prices with the list until an override arrives, then with the override from its effective time on only', () => {
    const live = new LivePriceCatalog(list);
    const before = live.current;
    expect(live.current.priceAt('openai', 'gpt-x', at('2026-06-01T00:00:00Z'))?.inputPicoPerToken).toBe(10_000_000n);

    expect(live.apply([price({ model: 'gpt-x', effectiveFrom: '2026-06-01T00:00:00Z', inputPerMTok: '7.5' })])).toEqual({ applied: 1, rejected: [] });

    expect(live.current.priceAt('openai', 'gpt-x', at('2026-05-31T23:59:59.999Z'))).toMatchObject({ source: 'list', inputPicoPerToken: 10_000_000n });
    expect(live.current.priceAt('openai', 'gpt-x', at('2026-06-01T00:00:00Z'))).toMatchObject({ source: 'override', inputPicoPerToken: 7_500_000n });
    // A catalog already handed out stays as it was: a price lookup never sees a half-applied change.
    expect(before.priceAt('openai', 'gpt-x', at('2026-06-01T00:00:00Z'))?.source).toBe('list');
  });

  it('keeps config overrides as the base and lets an API override of the same instant win', () => {
    const configured = [
      price({ model: 'gpt-x', effectiveFrom: '2026-01-01T00:00:00Z', inputPerMTok: '9' }),
      price({ model: 'gpt-x', effectiveFrom: '2026-03-01T00:00:00Z', inputPerMTok: '8' }),
    ];
    const live = new LivePriceCatalog(list, configured);
    live.apply([price({ model: 'gpt-x', effectiveFrom: '2026-03-01T00:00:00Z', inputPerMTok: '6' })]);
    expect(live.current.priceAt('openai', 'gpt-x', at('2026-02-01T00:00:00Z'))?.inputPicoPerToken).toBe(9_000_000n);
    expect(live.current.priceAt('openai', 'gpt-x', at('2026-04-01T00:00:00Z'))?.inputPicoPerToken).toBe(6_000_000n);
  });

  it('accumulates overrides across deliveries and ignores one it already has', () => {
    const live = new LivePriceCatalog(list);
    const june = price({ model: 'gpt-x', effectiveFrom: '2026-06-01T00:00:00Z', inputPerMTok: '7' });
    live.apply([june]);
    live.apply([price({ provider: 'acme', model: 'own-llm', effectiveFrom: '2026-01-01T00:00:00Z', inputPerMTok: '0.1', outputPerMTok: '0.2' })]);
    const catalog = live.current;
    expect(live.apply([june])).toEqual({ applied: 0, rejected: [] });
    expect(live.current).toBe(catalog);
    expect(live.current.priceAt('openai', 'gpt-x', at('2026-07-01T00:00:00Z'))?.inputPicoPerToken).toBe(7_000_000n);
    // A model only an operator prices (their own deployment) is priced too.
    expect(live.current.priceAt('acme', 'own-llm', at('2026-02-01T00:00:00Z'))?.outputPicoPerToken).toBe(200_000n);
    expect(live.addedOverrides()).toHaveLength(2);
  });

  it('refuses an invalid override by itself and still applies the valid ones beside it', () => {
    const live = new LivePriceCatalog(list);
    const bad = price({ model: 'gpt-x', effectiveFrom: '2026-06-01T00:00:00Z', inputPerMTok: '0.0000001' });
    const good = price({ model: 'gpt-x', effectiveFrom: '2026-07-01T00:00:00Z', inputPerMTok: '3' });
    const result = live.apply([bad, good]);
    expect(result.applied).toBe(1);
    expect(result.rejected).toEqual([{ entry: bad, reason: expect.stringContaining('inputPerMTok') }]);
    expect(live.current.priceAt('openai', 'gpt-x', at('2026-06-15T00:00:00Z'))?.source).toBe('list');
    expect(live.current.priceAt('openai', 'gpt-x', at('2026-07-15T00:00:00Z'))?.inputPicoPerToken).toBe(3_000_000n);
  });

  it('refuses invalid config overrides at start-up', () => {
    expect(() => new LivePriceCatalog(list, [price({ model: 'gpt-x', effectiveFrom: 'yesterday' })])).toThrow(/effectiveFrom/);
  });
});
