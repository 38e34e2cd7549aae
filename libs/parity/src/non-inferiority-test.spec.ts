import { BET_FRACTIONS } from './betting-wealth';
import { LOWER_BOUND_GRID, NonInferiorityTest } from './non-inferiority-test';
import { PlugInBettingTest } from './plug-in-betting-test';
import { seededRandom } from './simulation';

const OPTIONS = { margin: 0.1, alpha: 0.05, minComparisons: 30 };

function feed(test: { update(score: 0 | 0.5 | 1): void }, scores: Array<0 | 0.5 | 1>): void {
  for (const score of scores) test.update(score);
}

function repeat<T>(value: T, times: number): T[] {
  return Array.from({ length: times }, () => value);
}

describe('NonInferiorityTest', () => {
  it('tests against a null mean of (1 − margin)/2', () => {
    expect(new NonInferiorityTest(OPTIONS).nullHypothesisMean).toBeCloseTo(0.45, 12);
    expect(new NonInferiorityTest({ ...OPTIONS, margin: 0 }).nullHypothesisMean).toBe(0.5);
  });

  it('counts wins, ties and losses and starts with wealth 1 and no bound', () => {
    const test = new NonInferiorityTest(OPTIONS);
    expect(test.tally()).toEqual({ n: 0, wins: 0, ties: 0, losses: 0, wealth: 1, lowerBound: 0, decision: 'qualifying', promotedAt: null });
    feed(test, [1, 0.5, 0.5, 0]);
    expect(test.tally()).toMatchObject({ n: 4, wins: 1, ties: 2, losses: 1 });
  });

  it('computes its wealth as the average of the fixed-fraction bettors', () => {
    const test = new NonInferiorityTest(OPTIONS);
    const scores: Array<0 | 0.5 | 1> = [1, 0.5, 0, 0.5, 1, 0];
    feed(test, scores);
    const expected =
      BET_FRACTIONS.map((c) => scores.reduce<number>((w, y) => w * (1 + (c / 0.45) * (y - 0.45)), 1)).reduce((a, b) => a + b, 0) / BET_FRACTIONS.length;
    expect(test.wealth).toBeCloseTo(expected, 10);
  });

  it('keeps its wealth positive even after a long run of losses', () => {
    const test = new NonInferiorityTest(OPTIONS);
    feed(test, repeat<0>(0, 500));
    expect(test.wealth).toBeGreaterThan(0);
    expect(Number.isFinite(Math.log(test.wealth))).toBe(true);
    expect(test.decision).toBe('qualifying');
  });

  it('promotes a candidate that ties every pair after exactly 41 comparisons at δ=0.10, α=0.05', () => {
    const test = new NonInferiorityTest(OPTIONS);
    feed(test, repeat<0.5>(0.5, 40));
    expect(test.decision).toBe('qualifying');
    test.update(0.5);
    expect(test.decision).toBe('promoted');
    expect(test.tally().promotedAt).toBe(41);
    expect(test.wealth).toBeGreaterThanOrEqual(20);
  });

  it('never promotes before minComparisons, however strong the evidence', () => {
    const test = new NonInferiorityTest({ ...OPTIONS, minComparisons: 30 });
    feed(test, repeat<1>(1, 29));
    expect(test.wealth).toBeGreaterThan(1e6);
    expect(test.decision).toBe('qualifying');
    test.update(1);
    expect(test.decision).toBe('promoted');
    expect(test.tally().promotedAt).toBe(30);
  });

  it('stays promoted when later comparisons go badly', () => {
    const test = new NonInferiorityTest(OPTIONS);
    feed(test, repeat<1>(1, 30));
    feed(test, repeat<0>(0, 100));
    expect(test.decision).toBe('promoted');
    expect(test.tally().promotedAt).toBe(30);
  });

  it('does not promote a candidate whose scores sit exactly at the null mean', () => {
    // 0/90/10 in a fixed order: the mean score is exactly m0 = 0.45.
    const test = new NonInferiorityTest(OPTIONS);
    for (let i = 0; i < 100; i++) feed(test, [...repeat<0.5>(0.5, 9), 0]);
    expect(test.decision).toBe('qualifying');
  });

  it('rejects invalid options and scores', () => {
    expect(() => new NonInferiorityTest({ ...OPTIONS, margin: 1 })).toThrow(RangeError);
    expect(() => new NonInferiorityTest({ ...OPTIONS, margin: -0.1 })).toThrow(RangeError);
    expect(() => new NonInferiorityTest({ ...OPTIONS, alpha: 0 })).toThrow(RangeError);
    expect(() => new NonInferiorityTest({ ...OPTIONS, alpha: 1 })).toThrow(RangeError);
    expect(() => new NonInferiorityTest({ ...OPTIONS, minComparisons: 2.5 })).toThrow(RangeError);
    expect(() => new NonInferiorityTest(OPTIONS).update(0.7 as 0.5)).toThrow(RangeError);
  });

  it('gives a lower bound that rises with evidence and stays on the grid', () => {
    const test = new NonInferiorityTest(OPTIONS);
    feed(test, repeat<0.5>(0.5, 60));
    const early = test.lowerBound;
    expect(early).toBeGreaterThan(0.4);
    expect(early).toBeLessThanOrEqual(0.5);
    expect(LOWER_BOUND_GRID).toContain(early);
    feed(test, repeat<1>(1, 60));
    expect(test.lowerBound).toBeGreaterThan(early);
    expect(test.lowerBound).toBeLessThanOrEqual(1);
  });

  it('agrees with its decision: once promoted at m0, the lower bound is at least m0', () => {
    const test = new NonInferiorityTest(OPTIONS);
    feed(test, repeat<0.5>(0.5, 41));
    expect(test.decision).toBe('promoted');
    expect(test.lowerBound).toBeGreaterThanOrEqual(0.45);
  });

  it('never lowers its lower bound, even after many losses', () => {
    const test = new NonInferiorityTest(OPTIONS);
    feed(test, repeat<1>(1, 40));
    const bound = test.lowerBound;
    feed(test, repeat<0>(0, 200));
    expect(test.lowerBound).toBe(bound);
  });

  it('covers the true mean with its lower bound in at least 1 − α of seeded runs', () => {
    // Win/tie/loss 20/60/20, mean 0.5: the bound should exceed 0.5 in at most ~5% of runs.
    const random = seededRandom(7);
    let misses = 0;
    const runs = 200;
    for (let run = 0; run < runs; run++) {
      const test = new NonInferiorityTest(OPTIONS);
      for (let n = 0; n < 200; n++) {
        const u = random();
        test.update(u < 0.2 ? 1 : u < 0.8 ? 0.5 : 0);
      }
      if (test.lowerBound > 0.5) misses++;
    }
    expect(misses / runs).toBeLessThanOrEqual(0.05 + 3 * Math.sqrt((0.05 * 0.95) / runs));
  });

  it('continues identically after a snapshot survives a JSON round trip', () => {
    const random = seededRandom(42);
    const draw = (): 0 | 0.5 | 1 => {
      const u = random();
      return u < 0.15 ? 1 : u < 0.9 ? 0.5 : 0;
    };
    const original = new NonInferiorityTest(OPTIONS);
    for (let i = 0; i < 25; i++) original.update(draw());
    const restored = NonInferiorityTest.restore(JSON.parse(JSON.stringify(original.snapshot())));
    for (let i = 0; i < 200; i++) {
      const score = draw();
      original.update(score);
      restored.update(score);
    }
    expect(restored.tally()).toEqual(original.tally());
    expect(restored.snapshot()).toEqual(original.snapshot());
  });

  it('refuses a snapshot from another version or bet grid', () => {
    const snapshot = new NonInferiorityTest(OPTIONS).snapshot();
    expect(() => NonInferiorityTest.restore({ ...snapshot, version: 2 as 1 })).toThrow(RangeError);
    expect(() => NonInferiorityTest.restore({ ...snapshot, logWealth: [0] })).toThrow(RangeError);
  });

  it('skips the lower bound when asked, without changing the decision', () => {
    const tracked = new NonInferiorityTest(OPTIONS);
    const untracked = new NonInferiorityTest({ ...OPTIONS, trackLowerBound: false });
    const scores: Array<0 | 0.5 | 1> = [...repeat<0.5>(0.5, 20), 0, ...repeat<1>(1, 5), ...repeat<0.5>(0.5, 40)];
    feed(tracked, scores);
    feed(untracked, scores);
    expect(untracked.lowerBound).toBe(0);
    expect(untracked.tally().promotedAt).toBe(tracked.tally().promotedAt);
    expect(untracked.wealth).toBe(tracked.wealth);
  });
});

describe('PlugInBettingTest (the baseline)', () => {
  it('bets nothing while the estimated mean is at or below m0', () => {
    const test = new PlugInBettingTest(OPTIONS);
    feed(test, [0, 0, 0]);
    expect(test.nextBet()).toBe(0);
  });

  it('caps its bet at half the largest safe bet', () => {
    const test = new PlugInBettingTest(OPTIONS);
    feed(test, repeat<0.5>(0.5, 200));
    expect(test.nextBet()).toBeCloseTo(0.5 / 0.45, 12);
  });

  it('needs more comparisons than the mixture when every pair ties', () => {
    const plugIn = new PlugInBettingTest(OPTIONS);
    let n = 0;
    while (plugIn.decision === 'qualifying' && n < 500) {
      plugIn.update(0.5);
      n++;
    }
    expect(n).toBeGreaterThan(41);
    expect(plugIn.wealth).toBeGreaterThanOrEqual(20);
  });
});
