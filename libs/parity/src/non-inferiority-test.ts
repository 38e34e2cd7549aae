// The promotion test of the parity engine: is a cheaper candidate no worse than the baseline by
// more than a margin, on one (tenant, prompt type, candidate)? Pure and synchronous; it must never
// read a clock, a random source or any I/O, so the same scores always give the same decision and a
// restored snapshot continues exactly where the persisted one stopped.
//
// Method (docs/adr/0007-parity-statistics.md): a test martingale for H0: mean score m ≤ m0 with
// m0 = (1 − margin)/2. Each of five bettors k stakes a fixed fraction c_k of the largest safe bet,
// wealth_k = ∏ (1 + (c_k/m0)(y_t − m0)); the test's wealth is their average. Under H0 each factor
// has conditional mean ≤ 1, so the average is a nonnegative supermartingale and Ville's inequality
// bounds P(wealth ever reaches 1/α) ≤ α: checking after every comparison is therefore safe.

import { assertScore, BET_FRACTIONS, ComparisonScore, logMeanExp } from './betting-wealth';

export interface NonInferiorityOptions {
  /** δ: how much worse than the baseline the candidate may be; 0.10 means a mean score of 0.45. */
  margin: number;
  /** Largest probability of promoting a candidate that is worse than the margin. */
  alpha: number;
  /** No promotion before this many comparisons, however lucky the start (DESIGN.md: 30). */
  minComparisons: number;
  /** Keep the lower confidence bound up to date (default true); the simulation turns it off for speed. */
  trackLowerBound?: boolean;
}

export type QualificationDecision = 'qualifying' | 'promoted';

export interface NonInferiorityTally {
  n: number;
  wins: number;
  ties: number;
  losses: number;
  /** Average wealth of the bettors against H0: m ≤ m0; promotion needs ≥ 1/α. */
  wealth: number;
  /** A lower confidence bound on the mean score, valid at every n simultaneously (level 1 − α). */
  lowerBound: number;
  decision: QualificationDecision;
  /** The comparison count at which the candidate was promoted, if it was. */
  promotedAt: number | null;
}

export interface NonInferiorityTestSnapshot {
  version: 1;
  options: NonInferiorityOptions;
  wins: number;
  ties: number;
  losses: number;
  /** log wealth of each bettor against m0, in BET_FRACTIONS order. */
  logWealth: number[];
  /** log wealth of each bettor against each LOWER_BOUND_GRID point, row by row (frozen once the point is rejected). */
  boundLogWealth: number[];
  lowerBound: number;
  promotedAt: number | null;
}

/**
 * Mean scores the lower bound is resolved to. Why a 0.01 step: the bound is shown to people and
 * compared to margins given in whole percent; finer steps only cost memory in every snapshot.
 */
export const LOWER_BOUND_GRID: readonly number[] = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);

export function validateNonInferiorityOptions(opts: NonInferiorityOptions): void {
  if (!(opts.margin >= 0 && opts.margin < 1)) throw new RangeError(`margin must be in [0, 1), got ${opts.margin}`);
  if (!(opts.alpha > 0 && opts.alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${opts.alpha}`);
  if (!(Number.isInteger(opts.minComparisons) && opts.minComparisons >= 0)) {
    throw new RangeError(`minComparisons must be a whole number ≥ 0, got ${opts.minComparisons}`);
  }
}

/** log of one bettor's wealth factor: stakes fraction c of the largest safe bet 1/m against "mean ≤ m". */
function logFactor(fraction: number, nullMean: number, score: ComparisonScore): number {
  return Math.log1p((fraction / nullMean) * (score - nullMean));
}

export class NonInferiorityTest {
  private readonly options: NonInferiorityOptions;
  private readonly nullMean: number;
  private readonly threshold: number;
  private wins = 0;
  private ties = 0;
  private losses = 0;
  private logWealth: number[];
  private boundLogWealth: number[];
  private bound = 0;
  private promotedAt: number | null = null;

  constructor(opts: NonInferiorityOptions) {
    validateNonInferiorityOptions(opts);
    this.options = { margin: opts.margin, alpha: opts.alpha, minComparisons: opts.minComparisons, trackLowerBound: opts.trackLowerBound ?? true };
    this.nullMean = (1 - opts.margin) / 2;
    this.threshold = Math.log(1 / opts.alpha);
    this.logWealth = BET_FRACTIONS.map(() => 0);
    this.boundLogWealth = new Array<number>(LOWER_BOUND_GRID.length * BET_FRACTIONS.length).fill(0);
  }

  /** The mean score the test must beat, m0 = (1 − margin)/2. */
  get nullHypothesisMean(): number {
    return this.nullMean;
  }

  get n(): number {
    return this.wins + this.ties + this.losses;
  }

  get wealth(): number {
    return Math.exp(logMeanExp(this.logWealth));
  }

  /** Once promoted, stays promoted: taking it back is the drift detector's job, not this test's. */
  get decision(): QualificationDecision {
    return this.promotedAt === null ? 'qualifying' : 'promoted';
  }

  /** The largest grid mean m' whose H0 "m ≤ m'" has been rejected at some n; 0 until one has (or when not tracked). */
  get lowerBound(): number {
    return this.bound;
  }

  update(score: ComparisonScore): void {
    assertScore(score);
    if (score === 1) this.wins++;
    else if (score === 0.5) this.ties++;
    else this.losses++;

    for (let k = 0; k < BET_FRACTIONS.length; k++) {
      this.logWealth[k] += logFactor(BET_FRACTIONS[k], this.nullMean, score);
    }
    if (this.options.trackLowerBound) this.updateLowerBound(score);

    if (this.promotedAt === null && this.n >= this.options.minComparisons && logMeanExp(this.logWealth) >= this.threshold) {
      this.promotedAt = this.n;
    }
  }

  tally(): NonInferiorityTally {
    return {
      n: this.n,
      wins: this.wins,
      ties: this.ties,
      losses: this.losses,
      wealth: this.wealth,
      lowerBound: this.bound,
      decision: this.decision,
      promotedAt: this.promotedAt,
    };
  }

  snapshot(): NonInferiorityTestSnapshot {
    return {
      version: 1,
      options: { ...this.options },
      wins: this.wins,
      ties: this.ties,
      losses: this.losses,
      logWealth: [...this.logWealth],
      boundLogWealth: [...this.boundLogWealth],
      lowerBound: this.bound,
      promotedAt: this.promotedAt,
    };
  }

  static restore(snapshot: NonInferiorityTestSnapshot): NonInferiorityTest {
    if (snapshot.version !== 1) throw new RangeError(`Unknown NonInferiorityTest snapshot version ${String(snapshot.version)}`);
    if (snapshot.logWealth.length !== BET_FRACTIONS.length || snapshot.boundLogWealth.length !== LOWER_BOUND_GRID.length * BET_FRACTIONS.length) {
      throw new RangeError('NonInferiorityTest snapshot was written with a different bet grid');
    }
    const test = new NonInferiorityTest(snapshot.options);
    test.wins = snapshot.wins;
    test.ties = snapshot.ties;
    test.losses = snapshot.losses;
    test.logWealth = [...snapshot.logWealth];
    test.boundLogWealth = [...snapshot.boundLogWealth];
    test.bound = snapshot.lowerBound;
    test.promotedAt = snapshot.promotedAt;
    return test;
  }

  /**
   * Runs the same mixture against every grid mean m' above the current bound. Each bettor's factor
   * 1 − c + c·y/m' falls as m' rises, so the rejected means always form an interval [0, L]: the
   * scan stops at the first mean not rejected, and means already rejected are never bet on again.
   * L only rises because Ville's inequality covers the supremum over n: once rejected, always.
   */
  private updateLowerBound(score: ComparisonScore): void {
    const k = BET_FRACTIONS.length;
    const row = new Array<number>(k);
    let stillRejecting = true;
    for (let g = 0; g < LOWER_BOUND_GRID.length; g++) {
      const mean = LOWER_BOUND_GRID[g];
      if (mean <= this.bound) continue;
      for (let j = 0; j < k; j++) {
        this.boundLogWealth[g * k + j] += logFactor(BET_FRACTIONS[j], mean, score);
        row[j] = this.boundLogWealth[g * k + j];
      }
      if (stillRejecting && logMeanExp(row) >= this.threshold) this.bound = mean;
      else stillRejecting = false;
    }
  }
}
