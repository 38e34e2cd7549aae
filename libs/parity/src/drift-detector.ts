// Watches a promoted candidate and demotes it when recent comparisons show it has fallen below the
// margin. Pure and synchronous like the promotion test; it is restarted (a new instance) at every
// promotion and never looks at comparisons from before it.
//
// Method (docs/adr/0007-parity-statistics.md): an e-CUSUM detector (Shin, Ramdas & Rinaldo,
// "E-detectors", 2024) for H0: mean score m ≥ m0, the candidate is still fine. Each bettor k
// stakes against the candidate, factor 1 − (c_k/(1 − m0))(y_t − m0), and restarts from wealth 1
// whenever it has fallen below 1: D_k,t = max(D_k,t−1, 1) · factor. The statistic is the average
// over bettors, and the candidate is demoted when it reaches `meanComparisonsToFalseDemotion`
// (A). Under H0 the statistic is below the e-Shiryaev-Roberts sum of e-processes started at every
// n, whose expectation is at most n, so the mean number of comparisons to a false demotion is at
// least A. Unlike a one-shot test this cannot promise "never" over an endless horizon; it promises
// "rarely", and reacts within about log(A)/growth comparisons once quality drops.

import { assertScore, BET_FRACTIONS, ComparisonScore, logMeanExp } from './betting-wealth';

export interface DriftDetectorOptions {
  /** The same δ the candidate was promoted with. */
  margin: number;
  /** A: a candidate still at the margin is falsely demoted no more than once per A comparisons on average. */
  meanComparisonsToFalseDemotion: number;
}

export type DriftDecision = 'promoted' | 'demoted';

export interface DriftDetectorSnapshot {
  version: 1;
  options: DriftDetectorOptions;
  n: number;
  /** log of each bettor's CUSUM wealth, in BET_FRACTIONS order; never below 0 after the restart rule. */
  logCusum: number[];
  demotedAt: number | null;
}

/** Why 1000: at a few hundred judged samples a day per prompt type, a false demotion at most every few days, and a recheck costs only a requalification. */
export const DEFAULT_MEAN_COMPARISONS_TO_FALSE_DEMOTION = 1000;

export class DriftDetector {
  private readonly options: DriftDetectorOptions;
  private readonly nullMean: number;
  private readonly threshold: number;
  private count = 0;
  private logCusum: number[];
  private demotedAt: number | null = null;

  constructor(opts: DriftDetectorOptions) {
    if (!(opts.margin >= 0 && opts.margin < 1)) throw new RangeError(`margin must be in [0, 1), got ${opts.margin}`);
    if (!(opts.meanComparisonsToFalseDemotion > 1)) {
      throw new RangeError(`meanComparisonsToFalseDemotion must be > 1, got ${opts.meanComparisonsToFalseDemotion}`);
    }
    this.options = { ...opts };
    this.nullMean = (1 - opts.margin) / 2;
    this.threshold = Math.log(opts.meanComparisonsToFalseDemotion);
    this.logCusum = BET_FRACTIONS.map(() => 0);
  }

  get n(): number {
    return this.count;
  }

  /** Average CUSUM wealth against "the candidate is still fine". */
  get statistic(): number {
    return Math.exp(logMeanExp(this.logCusum));
  }

  /** Once demoted, stays demoted: the candidate must requalify through a new NonInferiorityTest. */
  get decision(): DriftDecision {
    return this.demotedAt === null ? 'promoted' : 'demoted';
  }

  get demotedAfter(): number | null {
    return this.demotedAt;
  }

  update(score: ComparisonScore): void {
    assertScore(score);
    this.count++;
    const largestSafeBet = 1 / (1 - this.nullMean);
    for (let k = 0; k < BET_FRACTIONS.length; k++) {
      const restarted = Math.max(this.logCusum[k], 0);
      this.logCusum[k] = restarted + Math.log1p(-BET_FRACTIONS[k] * largestSafeBet * (score - this.nullMean));
    }
    if (this.demotedAt === null && logMeanExp(this.logCusum) >= this.threshold) this.demotedAt = this.count;
  }

  snapshot(): DriftDetectorSnapshot {
    return { version: 1, options: { ...this.options }, n: this.count, logCusum: [...this.logCusum], demotedAt: this.demotedAt };
  }

  static restore(snapshot: DriftDetectorSnapshot): DriftDetector {
    if (snapshot.version !== 1) throw new RangeError(`Unknown DriftDetector snapshot version ${String(snapshot.version)}`);
    if (snapshot.logCusum.length !== BET_FRACTIONS.length) throw new RangeError('DriftDetector snapshot was written with a different bet grid');
    const detector = new DriftDetector(snapshot.options);
    detector.count = snapshot.n;
    detector.logCusum = [...snapshot.logCusum];
    detector.demotedAt = snapshot.demotedAt;
    return detector;
  }
}
