// The bar to beat from DESIGN.md, kept only as the simulation's baseline: a single betting test
// with a predictable plug-in bet (aGRAPA, Waudby-Smith & Ramdas 2023). It is valid too, but needs
// more comparisons than NonInferiorityTest when most pairs tie. Never used to decide promotions.

import { assertScore, ComparisonScore } from './betting-wealth';
import { NonInferiorityOptions, QualificationDecision, validateNonInferiorityOptions } from './non-inferiority-test';

/** Why 0.5: caps the bet at half the largest safe one, the usual truncation for plug-in bettors. */
const PLUG_IN_CAP = 0.5;

export class PlugInBettingTest {
  private readonly nullMean: number;
  private readonly threshold: number;
  private count = 0;
  private sum = 0;
  private sumOfSquares = 0;
  private logWealth = 0;
  private promotedAt: number | null = null;

  constructor(private readonly options: NonInferiorityOptions) {
    validateNonInferiorityOptions(options);
    this.nullMean = (1 - options.margin) / 2;
    this.threshold = Math.log(1 / options.alpha);
  }

  get n(): number {
    return this.count;
  }

  get wealth(): number {
    return Math.exp(this.logWealth);
  }

  get decision(): QualificationDecision {
    return this.promotedAt === null ? 'qualifying' : 'promoted';
  }

  /**
   * λ_t = clip((μ̂ − m0) / (σ̂² + (μ̂ − m0)²), 0, c/m0) from the scores before t only, with one
   * prior pseudo-observation of mean 1/2 and variance 1/4 so the first bet is finite.
   */
  nextBet(): number {
    const weight = this.count + 1;
    const mean = (0.5 + this.sum) / weight;
    const spread = this.count > 0 ? this.sumOfSquares - (this.sum * this.sum) / this.count : 0;
    const variance = (0.25 + spread) / weight;
    const edge = mean - this.nullMean;
    if (edge <= 0) return 0;
    return Math.min(edge / (variance + edge * edge), PLUG_IN_CAP / this.nullMean);
  }

  update(score: ComparisonScore): void {
    assertScore(score);
    this.logWealth += Math.log1p(this.nextBet() * (score - this.nullMean));
    this.count++;
    this.sum += score;
    this.sumOfSquares += score * score;
    if (this.promotedAt === null && this.count >= this.options.minComparisons && this.logWealth >= this.threshold) {
      this.promotedAt = this.count;
    }
  }
}
