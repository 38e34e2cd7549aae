import { meanScore, seededRandom, simulate } from './simulation';

// A small run (300 prompt types, shorter horizons) so the guarantees are checked on every test run;
// the 2000-type table comes from libs/parity/simulation/run-simulation.js.
const report = simulate({ promptTypes: 300, maxComparisons: 500, driftHorizon: 300, lateDriftAfter: 200 });
const alpha = report.options.alpha;
/** Three binomial standard errors above α over the simulated prompt types. */
const falsePromotionCeiling = alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / report.options.promptTypes);

describe('simulate', () => {
  it('is reproducible from its seed', () => {
    const a = seededRandom(5);
    const b = seededRandom(5);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
    expect(simulate({ promptTypes: 20, maxComparisons: 200, driftHorizon: 100, lateDriftAfter: 50 })).toEqual(
      simulate({ promptTypes: 20, maxComparisons: 200, driftHorizon: 100, lateDriftAfter: 50 }),
    );
  });

  it.each(report.promotion.filter((row) => row.isNull).map((row) => [row.scenario, row] as const))(
    'keeps false promotions within α when the candidate is %s',
    (_name, row) => {
      expect(row.mixture.rate).toBeLessThanOrEqual(falsePromotionCeiling);
      expect(row.plugIn.rate).toBeLessThanOrEqual(falsePromotionCeiling);
    },
  );

  it.each(report.promotion.filter((row) => !row.isNull).map((row) => [row.scenario, row] as const))(
    'promotes at least 95% of candidates within 500 comparisons when they are %s',
    (_name, row) => {
      expect(meanScore(row.mix)).toBeGreaterThan(0.45);
      expect(row.mixture.rate).toBeGreaterThanOrEqual(0.95);
    },
  );

  it('promotes with fewer comparisons than the plug-in baseline in the tie-heavy scenarios', () => {
    for (const name of ['every pair ties', '15/75/10', '10/80/10']) {
      const row = report.promotion.find((r) => r.scenario === name)!;
      expect(row.mixture.median!).toBeLessThan(row.plugIn.median!);
    }
  });

  it('demotes after a drift to 5/60/35 in nearly every prompt type, within a couple of hundred comparisons', () => {
    for (const row of report.demotion.filter((r) => !r.isNull)) {
      expect(row.detector.rate).toBeGreaterThanOrEqual(0.99);
      expect(row.detector.p90!).toBeLessThan(250);
    }
  });

  it('seldom demotes a candidate that has not drifted', () => {
    for (const row of report.demotion.filter((r) => r.isNull)) expect(row.detector.rate).toBeLessThanOrEqual(0.05);
  });
});
