import { InvalidPriceCatalog, PriceCatalog, perTokenPico, type ModelPrice } from './price-catalog';

const at = (iso: string) => new Date(iso);

function price(overrides: Partial<ModelPrice> & Pick<ModelPrice, 'model'>): ModelPrice {
  return { provider: 'openai', effectiveFrom: '2025-01-01T00:00:00Z', inputPerMTok: '1.00', outputPerMTok: '2.00', ...overrides };
}

describe('PriceCatalog.priceAt', () => {
  const catalog = PriceCatalog.fromEntries(
    [
      price({ model: 'o3', effectiveFrom: '2025-04-16T00:00:00Z', inputPerMTok: '10', outputPerMTok: '40' }),
      price({ model: 'o3', effectiveFrom: '2025-06-10T00:00:00Z', inputPerMTok: '2', outputPerMTok: '8' }),
      price({ model: 'o3', effectiveFrom: '2025-09-01T12:00:00+02:00', inputPerMTok: '1', outputPerMTok: '4' }),
    ],
    'test.v1',
  );

  it('returns the version in force: the latest effectiveFrom at or before the instant', () => {
    expect(catalog.priceAt('openai', 'o3', at('2025-05-01T00:00:00Z'))?.inputPicoPerToken).toBe(10_000_000n);
    expect(catalog.priceAt('openai', 'o3', at('2025-06-10T00:00:00Z'))?.inputPicoPerToken).toBe(2_000_000n);
    expect(catalog.priceAt('openai', 'o3', at('2025-06-09T23:59:59.999Z'))?.inputPicoPerToken).toBe(10_000_000n);
    expect(catalog.priceAt('openai', 'o3', at('2030-01-01T00:00:00Z'))?.inputPicoPerToken).toBe(1_000_000n);
  });

  it('honours the offset of effectiveFrom', () => {
    expect(catalog.priceAt('openai', 'o3', at('2025-09-01T09:59:59Z'))?.inputPicoPerToken).toBe(2_000_000n);
    expect(catalog.priceAt('openai', 'o3', at('2025-09-01T10:00:00Z'))?.inputPicoPerToken).toBe(1_000_000n);
  });

  it('has no price before the first version, for unknown models, or for unknown providers', () => {
    expect(catalog.priceAt('openai', 'o3', at('2025-04-15T23:59:59Z'))).toBeUndefined();
    expect(catalog.priceAt('openai', 'o9', at('2026-01-01T00:00:00Z'))).toBeUndefined();
    expect(catalog.priceAt('anthropic', 'o3', at('2026-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('rejects an invalid date', () => {
    expect(() => catalog.priceAt('openai', 'o3', new Date('nope'))).toThrow(RangeError);
  });

  it('never rewrites history: adding a later version leaves earlier instants priced as before', () => {
    const before = catalog.priceAt('openai', 'o3', at('2025-07-01T00:00:00Z'));
    const later = catalog.withOverrides([]);
    expect(later.priceAt('openai', 'o3', at('2025-07-01T00:00:00Z'))?.priceId).toBe(before?.priceId);
  });

  it('gives every version a stable audit id', () => {
    expect(catalog.priceAt('openai', 'o3', at('2025-07-01T00:00:00Z'))?.priceId).toBe('list:openai/o3@2025-06-10T00:00:00.000Z');
    expect(catalog.version).toBe('test.v1');
  });

  it('finds the right version among many by binary search', () => {
    const entries = Array.from({ length: 1000 }, (_, i) =>
      price({ model: 'm', effectiveFrom: new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString(), inputPerMTok: String(i) }),
    );
    const big = PriceCatalog.fromEntries([...entries].reverse());
    for (const i of [0, 1, 499, 500, 998, 999]) {
      const noon = new Date(Date.UTC(2020, 0, 1) + i * 86_400_000 + 43_200_000);
      expect(big.priceAt('openai', 'm', noon)?.inputPicoPerToken).toBe(BigInt(i) * 1_000_000n);
    }
  });
});

describe('PriceCatalog defaults', () => {
  const catalog = PriceCatalog.fromEntries([
    price({ model: 'plain' }),
    price({ model: 'full', cachedInputPerMTok: '0.25', cacheWritePerMTok: '1.25', reasoningPerMTok: '3', perRequest: '0.001', perImage: '0.000000000005' }),
  ]);
  const when = at('2025-06-01T00:00:00Z');

  it('bills cached and cache-write input at the input rate and reasoning at the output rate when not priced', () => {
    const p = catalog.priceAt('openai', 'plain', when)!;
    expect(p.cachedInputPicoPerToken).toBe(1_000_000n);
    expect(p.cacheWritePicoPerToken).toBe(1_000_000n);
    expect(p.reasoningPicoPerToken).toBe(2_000_000n);
    expect(p.perRequestPico).toBe(0n);
    expect(p.perImagePico).toBe(0n);
    expect(p.verify).toBe(false);
    expect(p.source).toBe('list');
  });

  it('uses the specific rates when priced', () => {
    const p = catalog.priceAt('openai', 'full', when)!;
    expect(p.cachedInputPicoPerToken).toBe(250_000n);
    expect(p.cacheWritePicoPerToken).toBe(1_250_000n);
    expect(p.reasoningPicoPerToken).toBe(3_000_000n);
    expect(p.perRequestPico).toBe(1_000_000_000n);
    expect(p.perImagePico).toBe(5n);
  });
});

describe('PriceCatalog.withOverrides', () => {
  const list = PriceCatalog.fromEntries([
    price({ model: 'gpt-4o', effectiveFrom: '2024-05-13T00:00:00Z', inputPerMTok: '5', outputPerMTok: '15' }),
    price({ model: 'gpt-4o', effectiveFrom: '2024-10-02T00:00:00Z', inputPerMTok: '2.5', outputPerMTok: '10' }),
    price({ model: 'gpt-4o', effectiveFrom: '2025-06-01T00:00:00Z', inputPerMTok: '2', outputPerMTok: '9' }),
  ]);
  const negotiated = list.withOverrides([price({ model: 'gpt-4o', effectiveFrom: '2024-08-01T00:00:00Z', inputPerMTok: '4', outputPerMTok: '12' })]);

  it('keeps list prices before the override takes effect', () => {
    const p = negotiated.priceAt('openai', 'gpt-4o', at('2024-07-01T00:00:00Z'))!;
    expect(p.source).toBe('list');
    expect(p.inputPicoPerToken).toBe(5_000_000n);
  });

  it('applies the override from its effectiveFrom on, even over later list changes', () => {
    for (const iso of ['2024-08-01T00:00:00Z', '2024-12-01T00:00:00Z', '2026-01-01T00:00:00Z']) {
      const p = negotiated.priceAt('openai', 'gpt-4o', at(iso))!;
      expect(p.source).toBe('override');
      expect(p.inputPicoPerToken).toBe(4_000_000n);
    }
  });

  it('leaves the catalog it was derived from unchanged', () => {
    expect(list.priceAt('openai', 'gpt-4o', at('2026-01-01T00:00:00Z'))?.source).toBe('list');
  });

  it('can price a deployment the list does not know', () => {
    const withDeployment = list.withOverrides([price({ provider: 'azure-eu', model: 'gpt-4o', inputPerMTok: '2.75' })]);
    expect(withDeployment.priceAt('azure-eu', 'gpt-4o', at('2025-02-01T00:00:00Z'))?.inputPicoPerToken).toBe(2_750_000n);
    expect(withDeployment.priceAt('openai', 'gpt-4o', at('2025-02-01T00:00:00Z'))?.source).toBe('list');
  });

  it('stacks later overrides and follows their own versions', () => {
    const twice = negotiated.withOverrides([price({ model: 'gpt-4o', effectiveFrom: '2025-03-01T00:00:00Z', inputPerMTok: '3' })]);
    expect(twice.priceAt('openai', 'gpt-4o', at('2025-02-01T00:00:00Z'))?.inputPicoPerToken).toBe(4_000_000n);
    expect(twice.priceAt('openai', 'gpt-4o', at('2025-03-01T00:00:00Z'))?.inputPicoPerToken).toBe(3_000_000n);
  });

  it('rejects two overrides for the same instant', () => {
    expect(() => negotiated.withOverrides([price({ model: 'gpt-4o', effectiveFrom: '2024-08-01T00:00:00Z' })])).toThrow(InvalidPriceCatalog);
  });

  it('lists all versions oldest first, list before override at the same instant', () => {
    const sameInstant = list.withOverrides([price({ model: 'gpt-4o', effectiveFrom: '2024-10-02T00:00:00Z', inputPerMTok: '2.2' })]);
    expect(sameInstant.versions('openai', 'gpt-4o').map((v) => `${v.source}@${v.effectiveFrom.toISOString().slice(0, 10)}`)).toEqual([
      'list@2024-05-13',
      'list@2024-10-02',
      'override@2024-10-02',
      'list@2025-06-01',
    ]);
    expect(sameInstant.versions('openai', 'nope')).toEqual([]);
  });
});

describe('PriceCatalog model aliases', () => {
  const catalog = PriceCatalog.fromEntries([
    price({ model: 'gpt-4o' }),
    price({ model: 'gpt-4o-mini', inputPerMTok: '0.15' }),
    price({ model: 'gpt-4o-2024-05-13', inputPerMTok: '5' }),
    price({ provider: 'anthropic', model: 'claude-sonnet-4' }),
    price({ provider: 'anthropic', model: 'claude-sonnet-4-5', inputPerMTok: '3' }),
    price({ provider: 'anthropic', model: 'claude-opus-4' }),
    price({ provider: 'mistral', model: 'mistral-large', inputPerMTok: '2' }),
    price({ provider: 'gemini', model: 'gemini-2.5-flash', inputPerMTok: '0.3' }),
  ]);

  it.each([
    ['openai', 'gpt-4o', 'gpt-4o'],
    ['openai', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['openai', 'gpt-4o-2024-08-06', 'gpt-4o'],
    ['openai', 'gpt-4o-2024-05-13', 'gpt-4o-2024-05-13'],
    ['anthropic', 'claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['anthropic', 'claude-sonnet-4-20250514', 'claude-sonnet-4'],
    ['mistral', 'mistral-large-2411', 'mistral-large'],
    ['gemini', 'models/gemini-2.5-flash', 'gemini-2.5-flash'],
    ['gemini', 'gemini-2.5-flash-001', 'gemini-2.5-flash'],
  ])('resolves %s %s to %s', (provider, reported, expected) => {
    expect(catalog.resolveModel(provider, reported)).toBe(expected);
    expect(catalog.priceAt(provider, reported, at('2025-06-01T00:00:00Z'))?.model).toBe(expected);
  });

  it.each([
    ['anthropic', 'claude-opus-4-6', 'a minor version is a different model, not a snapshot'],
    ['openai', 'gpt-4o-mini-tts', 'a variant name is not a snapshot'],
    ['openai', 'gpt-4o-2024-08-06-preview', 'trailing words after the date'],
    ['openai', 'gpt-4', 'shorter than any catalog name'],
    ['openai', 'gpt-4o-', 'a dangling dash'],
    ['openai', 'claude-sonnet-4-5', 'another provider’s model'],
  ])('does not resolve %s %s (%s)', (provider, reported) => {
    expect(catalog.resolveModel(provider, reported)).toBeUndefined();
    expect(catalog.priceAt(provider, reported, at('2025-06-01T00:00:00Z'))).toBeUndefined();
  });

  it('answers repeated lookups from its memo with the same result', () => {
    expect(catalog.resolveModel('openai', 'gpt-4o-mini-2024-07-18')).toBe('gpt-4o-mini');
    expect(catalog.resolveModel('openai', 'gpt-4o-mini-2024-07-18')).toBe('gpt-4o-mini');
    expect(catalog.resolveModel('openai', 'unknown-1')).toBeUndefined();
    expect(catalog.resolveModel('openai', 'unknown-1')).toBeUndefined();
  });

  it('lists its models', () => {
    expect(catalog.models()).toContainEqual({ provider: 'anthropic', model: 'claude-sonnet-4-5' });
    expect(catalog.models()).toHaveLength(8);
  });
});

describe('PriceCatalog validation', () => {
  it.each([
    [{ inputPerMTok: '0.0000001' }, 'more than 6 decimals per million tokens'],
    [{ inputPerMTok: '-1' }, 'a negative price'],
    [{ inputPerMTok: '1e-3' }, 'an exponent'],
    [{ outputPerMTok: '' }, 'an empty price'],
    [{ perRequest: '0.0000000000001' }, 'a fee below one picodollar'],
    [{ effectiveFrom: '2025-01-01' }, 'a date without time'],
    [{ effectiveFrom: 'yesterday' }, 'garbage time'],
    [{ provider: '' }, 'an empty provider'],
    [{ model: '' }, 'an empty model'],
    [{ colour: 'blue' }, 'an unknown field'],
  ])('rejects %j (%s)', (bad, _why) => {
    expect(() => PriceCatalog.fromEntries([{ ...price({ model: 'm' }), ...bad } as ModelPrice])).toThrow(InvalidPriceCatalog);
  });

  it('reports every problem at once', () => {
    try {
      PriceCatalog.fromEntries([price({ model: 'a', inputPerMTok: 'x' }), price({ model: 'b', outputPerMTok: 'y' })]);
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidPriceCatalog);
      expect((error as InvalidPriceCatalog).issues).toHaveLength(2);
    }
  });

  it('rejects two list versions for the same instant', () => {
    expect(() => PriceCatalog.fromEntries([price({ model: 'm' }), price({ model: 'm', inputPerMTok: '3' })])).toThrow(/defined twice/);
  });

  it('validates a catalog file header', () => {
    expect(() => PriceCatalog.fromFile({ version: 'x', prices: [] })).toThrow(InvalidPriceCatalog);
  });
});

describe('perTokenPico', () => {
  it.each([
    ['0.01875', 18_750n],
    ['2.50', 2_500_000n],
    ['0.005', 5_000n],
    ['0', 0n],
    ['0.000001', 1n],
  ])('prices one token of $%s per million at %p picodollars', (usd, pico) => {
    expect(perTokenPico(usd)).toBe(pico);
  });
});
