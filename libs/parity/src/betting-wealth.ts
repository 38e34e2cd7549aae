// Wealth of a bettor against a mean hypothesis, kept in log space. Pure arithmetic shared by the
// non-inferiority test, the drift detector and the baseline; it never decides anything itself.

/** A pairwise comparison score: 1 candidate wins, 0.5 tie (or the judge's two orders disagree), 0 loss. */
export type ComparisonScore = 0 | 0.5 | 1;

export function assertScore(score: number): asserts score is ComparisonScore {
  if (score !== 0 && score !== 0.5 && score !== 1) {
    throw new RangeError(`A comparison score is 0, 0.5 or 1, got ${score}`);
  }
}

/**
 * Fractions of the largest safe bet that the mixture spreads its wealth over. Why these five: in
 * simulations while designing (docs/adr/0007) they beat narrower, wider and plug-in bets; the top
 * point (0.9) wins fast when almost every pair ties, the low points survive early losses, and five
 * components cost only log 5 of wealth. The largest fraction stays below 1 so a loss never wipes
 * out a component.
 */
export const BET_FRACTIONS: readonly number[] = [0.3, 0.45, 0.6, 0.75, 0.9];

/** log(Σ w_k e^{x_k}) with equal weights, without overflow. */
export function logMeanExp(logs: readonly number[]): number {
  let max = -Infinity;
  for (const x of logs) max = Math.max(max, x);
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const x of logs) sum += Math.exp(x - max);
  return max + Math.log(sum / logs.length);
}
