import { DEFAULT_PARITY_POLICY } from './parity-policy';
import { EvalBudget, sampleRateFor, shouldSample } from './sampling-gate';
import { seededRandom } from './simulation';

const DAY = 86_400_000;
/** 2026-11-23T00:00:00Z */
const MIDNIGHT = Date.UTC(2026, 10, 23);

describe('shouldSample', () => {
  it('samples about the given share of requests', () => {
    const random = seededRandom(42);
    let sampled = 0;
    for (let i = 0; i < 10_000; i++) if (shouldSample(0.2, random)) sampled++;
    expect(sampled / 10_000).toBeCloseTo(0.2, 1);
  });

  it('never or always samples at rates 0 and 1 without drawing a random number', () => {
    const random = jest.fn(() => 0);
    expect(shouldSample(0, random)).toBe(false);
    expect(shouldSample(1, random)).toBe(true);
    expect(random).not.toHaveBeenCalled();
  });

  it('refuses a rate outside [0, 1]', () => {
    expect(() => shouldSample(1.1, Math.random)).toThrow(RangeError);
    expect(() => shouldSample(Number.NaN, Math.random)).toThrow(RangeError);
  });
});

describe('sampleRateFor', () => {
  it('samples at the qualifying rate while a candidate is unproven and at the decided rate otherwise', () => {
    const policy = { ...DEFAULT_PARITY_POLICY, sampleRateQualifying: 0.8, sampleRateDecided: 0.02 };
    expect(sampleRateFor(policy, 'qualifying')).toBe(0.8);
    expect(sampleRateFor(policy, 'promoted')).toBe(0.02);
    expect(sampleRateFor(policy, 'exhausted')).toBe(0.02);
  });
});

describe('EvalBudget', () => {
  const budgets: Record<string, bigint> = { acme: 1_000n, globex: 500n };
  const newBudget = () => new EvalBudget((tenantId) => budgets[tenantId] ?? 0n);

  it('reserves while the estimate fits and refuses the reservation that would pass the budget', () => {
    const budget = newBudget();
    expect(budget.reserve('acme', 600n, MIDNIGHT)).toBe(true);
    expect(budget.reserve('acme', 401n, MIDNIGHT)).toBe(false);
    expect(budget.reserve('acme', 400n, MIDNIGHT)).toBe(true);
    expect(budget.reserve('acme', 1n, MIDNIGHT)).toBe(false);
  });

  it('never lets reservations and spend pass the budget under many reservations when costs match estimates', () => {
    const budget = newBudget();
    const random = seededRandom(8);
    const open: bigint[] = [];
    for (let i = 0; i < 5_000; i++) {
      const at = MIDNIGHT + i;
      if (open.length > 0 && random() < 0.5) {
        const reserved = open.shift() as bigint;
        budget.settle('acme', reserved, reserved - BigInt(Math.floor(random() * Number(reserved + 1n))), at);
      } else {
        const estimate = BigInt(1 + Math.floor(random() * 40));
        if (budget.reserve('acme', estimate, at)) open.push(estimate);
      }
      const reserved = open.reduce((a, b) => a + b, 0n);
      expect(budget.spentToday('acme', at) + reserved).toBeLessThanOrEqual(1_000n);
    }
    expect(budget.spentToday('acme', MIDNIGHT + 5_000)).toBeGreaterThan(0n);
  });

  it('keeps tenants apart', () => {
    const budget = newBudget();
    expect(budget.reserve('globex', 500n, MIDNIGHT)).toBe(true);
    expect(budget.reserve('globex', 1n, MIDNIGHT)).toBe(false);
    expect(budget.reserve('acme', 1_000n, MIDNIGHT)).toBe(true);
    expect(budget.reserve('initech', 1n, MIDNIGHT)).toBe(false);
    expect(budget.reserve('initech', 0n, MIDNIGHT)).toBe(true);
  });

  it('moves a reservation to spent at its actual cost, and frees what was not used', () => {
    const budget = newBudget();
    budget.reserve('acme', 700n, MIDNIGHT);
    budget.settle('acme', 700n, 300n, MIDNIGHT + 1);
    expect(budget.spentToday('acme', MIDNIGHT + 2)).toBe(300n);
    expect(budget.reserve('acme', 700n, MIDNIGHT + 3)).toBe(true);
    expect(budget.reserve('acme', 1n, MIDNIGHT + 4)).toBe(false);
  });

  it('records a cost above its estimate in full, and then admits nothing more that day', () => {
    const budget = newBudget();
    budget.reserve('acme', 900n, MIDNIGHT);
    budget.settle('acme', 900n, 1_050n, MIDNIGHT + 1);
    expect(budget.spentToday('acme', MIDNIGHT + 2)).toBe(1_050n);
    expect(budget.reserve('acme', 1n, MIDNIGHT + 3)).toBe(false);
  });

  it('starts a fresh budget at UTC midnight, counting reservations still in flight against the new day', () => {
    const budget = newBudget();
    expect(budget.reserve('acme', 600n, MIDNIGHT + DAY - 2)).toBe(true);
    expect(budget.reserve('acme', 400n, MIDNIGHT + DAY - 1)).toBe(true);
    budget.settle('acme', 600n, 600n, MIDNIGHT + DAY - 1);
    expect(budget.spentToday('acme', MIDNIGHT + DAY - 1)).toBe(600n);
    expect(budget.reserve('acme', 1n, MIDNIGHT + DAY - 1)).toBe(false);

    expect(budget.spentToday('acme', MIDNIGHT + DAY)).toBe(0n);
    expect(budget.reserve('acme', 601n, MIDNIGHT + DAY)).toBe(false);
    expect(budget.reserve('acme', 600n, MIDNIGHT + DAY)).toBe(true);
    budget.settle('acme', 400n, 400n, MIDNIGHT + DAY + 1);
    expect(budget.spentToday('acme', MIDNIGHT + DAY + 1)).toBe(400n);
  });

  it('never goes back a day when a late call carries yesterday’s time', () => {
    const budget = newBudget();
    budget.reserve('acme', 1_000n, MIDNIGHT + DAY);
    budget.settle('acme', 1_000n, 1_000n, MIDNIGHT + DAY);
    expect(budget.reserve('acme', 1n, MIDNIGHT + DAY - 1)).toBe(false);
    expect(budget.spentToday('acme', MIDNIGHT + DAY - 1)).toBe(1_000n);
  });

  it('refuses negative amounts and settling more than was reserved', () => {
    const budget = newBudget();
    expect(() => budget.reserve('acme', -1n, MIDNIGHT)).toThrow(RangeError);
    budget.reserve('acme', 10n, MIDNIGHT);
    expect(() => budget.settle('acme', 11n, 11n, MIDNIGHT)).toThrow(RangeError);
    expect(() => budget.settle('acme', 10n, -1n, MIDNIGHT)).toThrow(RangeError);
  });
});
