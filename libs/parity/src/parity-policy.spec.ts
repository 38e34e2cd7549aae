import { DEFAULT_PARITY_POLICY, orderCandidates, ParityPolicies, resolveParityPolicy, validateParityPolicies } from './parity-policy';

describe('resolveParityPolicy', () => {
  const policies: ParityPolicies = {
    defaults: { margin: 0.08, evalBudgetPicoPerDay: 2_000_000_000_000n },
    tenants: {
      acme: {
        candidates: ['small', 'tiny'],
        margin: 0.05,
        minComparisons: 40,
        promptTypes: { extract: { margin: 0.02, candidates: ['tiny'], judgeModel: 'judge-xl' } },
      },
      bare: {},
    },
  };

  it('returns null for a tenant without a parity policy', () => {
    expect(resolveParityPolicy(policies, 'globex', 'extract')).toBeNull();
    expect(resolveParityPolicy({ tenants: {} }, 'acme', 'extract')).toBeNull();
  });

  it('does not mistake members of Object.prototype for tenants or prompt types', () => {
    expect(resolveParityPolicy(policies, 'constructor', 'x')).toBeNull();
    expect(resolveParityPolicy(policies, 'acme', 'toString')?.margin).toBe(0.05);
  });

  it('gives a listed tenant without settings the built-in defaults overlaid by the configured defaults', () => {
    expect(resolveParityPolicy(policies, 'bare', 'chat')).toEqual({ ...DEFAULT_PARITY_POLICY, margin: 0.08, evalBudgetPicoPerDay: 2_000_000_000_000n });
  });

  it('lets prompt-type overrides win over the tenant, and the tenant over the defaults', () => {
    const extract = resolveParityPolicy(policies, 'acme', 'extract');
    expect(extract).toMatchObject({ margin: 0.02, candidates: ['tiny'], judgeModel: 'judge-xl', minComparisons: 40, evalBudgetPicoPerDay: 2_000_000_000_000n, confidence: 0.95 });
    const chat = resolveParityPolicy(policies, 'acme', 'chat');
    expect(chat).toMatchObject({ margin: 0.05, candidates: ['small', 'tiny'], minComparisons: 40 });
    expect(chat).not.toHaveProperty('promptTypes');
  });

  it('resolves the tenant-level policy when no prompt type is given', () => {
    expect(resolveParityPolicy(policies, 'acme')).toMatchObject({ margin: 0.05, candidates: ['small', 'tiny'] });
  });

  it('ignores overrides spelled out as undefined', () => {
    expect(resolveParityPolicy({ tenants: { t: { margin: undefined } } }, 't', 'p')?.margin).toBe(0.1);
  });

  it('returns a copy the caller may change without touching the configuration', () => {
    resolveParityPolicy(policies, 'acme', 'chat')?.candidates.push('huge');
    expect(resolveParityPolicy(policies, 'acme', 'chat')?.candidates).toEqual(['small', 'tiny']);
    expect(DEFAULT_PARITY_POLICY.candidates).toEqual([]);
  });

  it('has the defaults of DESIGN.md', () => {
    expect(DEFAULT_PARITY_POLICY).toMatchObject({ margin: 0.1, confidence: 0.95, minComparisons: 30, maxComparisons: 400, sampleRateQualifying: 1, sampleRateDecided: 0.05 });
    expect(typeof DEFAULT_PARITY_POLICY.evalBudgetPicoPerDay).toBe('bigint');
  });

  it.each([
    [{ margin: 1 }],
    [{ confidence: 1 }],
    [{ minComparisons: 2.5 }],
    [{ minComparisons: 50, maxComparisons: 40 }],
    [{ sampleRateDecided: 1.5 }],
    [{ evalBudgetPicoPerDay: -1n }],
  ])('refuses a policy no test could use: %p', (override) => {
    expect(() => resolveParityPolicy({ tenants: { t: override } }, 't', 'p')).toThrow(RangeError);
  });
});

describe('validateParityPolicies', () => {
  it('accepts policies whose every tenant and prompt type resolves', () => {
    expect(() => validateParityPolicies({ defaults: { minComparisons: 20 }, tenants: { acme: { maxComparisons: 25, promptTypes: { chat: { margin: 0.2 } } } } })).not.toThrow();
  });

  it('names the tenant and prompt type whose layers combine into an unusable policy', () => {
    const policies: ParityPolicies = { defaults: { minComparisons: 50 }, tenants: { acme: { maxComparisons: 100, promptTypes: { chat: { maxComparisons: 40 } } } } };
    expect(() => validateParityPolicies(policies)).toThrow(/maxComparisons .* \(tenant acme, prompt type chat\)$/);
  });
});

describe('orderCandidates', () => {
  const prices: Record<string, bigint> = { big: 1000n, mid: 400n, small: 100n, tiny: 100n, nano: 10n, same: 1000n };
  const price = (model: string): bigint | undefined => prices[model];

  it('orders strictly cheaper candidates cheapest first, ties by name', () => {
    expect(orderCandidates('big', ['mid', 'tiny', 'small', 'nano'], price)).toEqual(['nano', 'small', 'tiny', 'mid']);
  });

  it('drops the baseline itself, unpriced models, models not strictly cheaper and duplicates', () => {
    expect(orderCandidates('mid', ['big', 'mid', 'same', 'unknown', 'small', 'small'], price)).toEqual(['small']);
  });

  it('keeps nothing when the baseline has no known price', () => {
    expect(orderCandidates('unknown', ['nano', 'small'], price)).toEqual([]);
  });

  it('gives the same order whatever order the candidates are listed in', () => {
    expect(orderCandidates('big', ['tiny', 'small'], price)).toEqual(orderCandidates('big', ['small', 'tiny'], price));
  });
});
