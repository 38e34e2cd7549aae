import { parseUsd } from '@assay/pricing';
import { compilePlan, creditsFor, creditUnits, InvalidPricingPlan, PlanSchedule, type BillableRequest } from './pricing-plan';

const usage = { promptTokens: 1000, completionTokens: 200, cachedTokens: 0, reasoningTokens: 0 };
const req = (costUsd: string, promptType?: string): BillableRequest => ({ promptType, usage, costPico: parseUsd(costUsd) });

describe('creditUnits', () => {
  it('turns decimal credits into micro-units', () => {
    expect(creditUnits('1')).toBe(1_000_000n);
    expect(creditUnits('0.5')).toBe(500_000n);
    expect(creditUnits('0.000001')).toBe(1n);
    expect(() => creditUnits('0.0000001')).toThrow();
  });
});

describe('per_request plans', () => {
  const plan = compilePlan({ kind: 'per_request', id: 'simple', creditsPerRequest: '1', perPromptType: { summarize: '0.25', 'draft-email': '2' } });

  it('charges the prompt type’s amount, or the default for others and for unlabelled requests', () => {
    expect(creditsFor(req('0.5', 'summarize'), plan)).toBe(250_000n);
    expect(creditsFor(req('0.5', 'draft-email'), plan)).toBe(2_000_000n);
    expect(creditsFor(req('0.5', 'classify'), plan)).toBe(1_000_000n);
    expect(creditsFor(req('0.5'), plan)).toBe(1_000_000n);
  });

  it('does not depend on cost', () => {
    expect(creditsFor(req('0'), plan)).toBe(creditsFor(req('99'), plan));
  });
});

describe('per_1k_tokens_markup plans', () => {
  // One credit sells for $0.01; markup 25%.
  const plan = compilePlan({ kind: 'per_1k_tokens_markup', id: 'cost-plus', markup: '0.25', creditPriceUsd: '0.01' });

  it('charges cost × (1 + markup) in credits at the plan’s credit price', () => {
    // $0.002 × 1.25 = $0.0025 = 0.25 credits
    expect(creditsFor(req('0.002'), plan)).toBe(250_000n);
    expect(creditsFor(req('0'), plan)).toBe(0n);
  });

  it('rounds half up to a whole micro-unit, once per request', () => {
    // 1 micro-unit = $0.00000001 at this credit price; ×1.25 → 0.00000001 × 0.4 = 0.5 units exactly → 1
    expect(creditsFor(req('0.000000004'), plan)).toBe(1n);
    // 0.4999… units → 0
    expect(creditsFor({ promptType: undefined, usage, costPico: 3_999n }, plan)).toBe(0n);
    // 3_999 pico × 1.25 = 4_998.75 pico; a unit is 10_000 pico → 0.499875 → 0; 4_000 → exactly 0.5 → 1
    expect(creditsFor({ promptType: undefined, usage, costPico: 4_000n }, plan)).toBe(1n);
  });

  it('supports discounts down to free and never charges a negative amount', () => {
    const discount = compilePlan({ kind: 'per_1k_tokens_markup', id: 'd', markup: '-0.2', creditPriceUsd: '0.01' });
    expect(creditsFor(req('0.01'), discount)).toBe(800_000n);
    const free = compilePlan({ kind: 'per_1k_tokens_markup', id: 'f', markup: '-1', creditPriceUsd: '0.01' });
    expect(creditsFor(req('5'), free)).toBe(0n);
    expect(() => compilePlan({ kind: 'per_1k_tokens_markup', id: 'x', markup: '-1.5', creditPriceUsd: '0.01' })).toThrow(InvalidPricingPlan);
  });

  it('refuses a negative cost', () => {
    expect(() => creditsFor({ usage, costPico: -1n }, plan)).toThrow(RangeError);
  });

  it('stays exact for very large costs', () => {
    expect(creditsFor(req('1000000'), plan)).toBe(125_000_000n * 1_000_000n);
  });
});

describe('flat_per_action plans', () => {
  it('charges the flat price of the prompt type', () => {
    const plan = compilePlan({ kind: 'flat_per_action', id: 'actions', perPromptType: { summarize: '3' }, fallback: { kind: 'free' } });
    expect(creditsFor(req('0.1', 'summarize'), plan)).toBe(3_000_000n);
  });

  it.each([
    [{ kind: 'credits', credits: '0.5' }, 500_000n],
    [{ kind: 'cost_plus', markup: '0', creditPriceUsd: '0.001' }, 2_000_000n],
    [{ kind: 'free' }, 0n],
  ])('charges other prompt types by the fallback rule %j', (fallback, expected) => {
    const plan = compilePlan({ kind: 'flat_per_action', id: 'actions', perPromptType: { summarize: '3' }, fallback });
    expect(creditsFor(req('0.002', 'translate'), plan)).toBe(expected);
    expect(creditsFor(req('0.002'), plan)).toBe(expected);
  });
});

describe('compilePlan', () => {
  it.each([
    [{ kind: 'per_request', id: 'x', creditsPerRequest: '-1' }],
    [{ kind: 'per_request', id: 'x', creditsPerRequest: '1.1234567' }],
    [{ kind: 'per_request', id: '', creditsPerRequest: '1' }],
    [{ kind: 'per_1k_tokens_markup', id: 'x', markup: '0.2', creditPriceUsd: '0' }],
    [{ kind: 'per_1k_tokens_markup', id: 'x', markup: 'lots', creditPriceUsd: '0.01' }],
    [{ kind: 'flat_per_action', id: 'x', perPromptType: {} }],
    [{ kind: 'subscription', id: 'x' }],
    [{ kind: 'per_request', id: 'x', creditsPerRequest: '1', extra: true }],
    [null],
  ])('rejects %j', (definition) => {
    expect(() => compilePlan(definition)).toThrow(InvalidPricingPlan);
  });
});

describe('PlanSchedule', () => {
  const basic = compilePlan({ kind: 'per_request', id: 'basic', creditsPerRequest: '1' });
  const pro = compilePlan({ kind: 'per_1k_tokens_markup', id: 'pro', markup: '0.1', creditPriceUsd: '0.01' });
  const schedule = new PlanSchedule(
    [basic, pro],
    [
      { tenantId: 'acme', planId: 'pro', effectiveFrom: new Date('2026-03-01T00:00:00Z') },
      { tenantId: 'acme', planId: 'basic', effectiveFrom: new Date('2026-01-01T00:00:00Z') },
    ],
    'basic',
  );

  it('applies a plan change from its point in time only', () => {
    expect(schedule.planAt('acme', new Date('2026-02-28T23:59:59.999Z'))?.id).toBe('basic');
    expect(schedule.planAt('acme', new Date('2026-03-01T00:00:00Z'))?.id).toBe('pro');
    expect(schedule.planAt('acme', new Date('2027-01-01T00:00:00Z'))?.id).toBe('pro');
  });

  it('falls back to the default plan before any assignment and for unassigned tenants', () => {
    expect(schedule.planAt('acme', new Date('2025-12-31T00:00:00Z'))?.id).toBe('basic');
    expect(schedule.planAt('globex', new Date('2026-06-01T00:00:00Z'))?.id).toBe('basic');
    expect(new PlanSchedule([basic], []).planAt('globex', new Date())).toBeUndefined();
    expect(schedule.plan('pro')).toBe(pro);
  });

  it.each([
    ['an unknown plan', () => new PlanSchedule([basic], [{ tenantId: 'a', planId: 'nope', effectiveFrom: new Date(0) }])],
    ['an unknown default', () => new PlanSchedule([basic], [], 'nope')],
    ['a plan defined twice', () => new PlanSchedule([basic, basic], [])],
    [
      'two plans at once',
      () =>
        new PlanSchedule(
          [basic, pro],
          [
            { tenantId: 'a', planId: 'basic', effectiveFrom: new Date(0) },
            { tenantId: 'a', planId: 'pro', effectiveFrom: new Date(0) },
          ],
        ),
    ],
    ['an invalid date', () => new PlanSchedule([basic], [{ tenantId: 'a', planId: 'basic', effectiveFrom: new Date('x') }])],
  ])('rejects %s', (_name, build) => {
    expect(build).toThrow(InvalidPricingPlan);
  });
});
