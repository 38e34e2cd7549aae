// Monte Carlo check of the parity statistics: false promotions, comparisons to promotion, false
// demotions and time to demotion, for NonInferiorityTest and DriftDetector side by side with the
// plug-in betting baseline. Pure and deterministic: a seeded generator, no clock, no I/O; the
// printed table lives in libs/parity/simulation/run-simulation.js.

import { ComparisonScore } from './betting-wealth';
import { DriftDetector } from './drift-detector';
import { NonInferiorityTest } from './non-inferiority-test';
import { PlugInBettingTest } from './plug-in-betting-test';

/** Win / tie / loss probabilities of the candidate against the baseline. */
export interface ScoreMix {
  win: number;
  tie: number;
  loss: number;
}

export function meanScore(mix: ScoreMix): number {
  return mix.win + mix.tie / 2;
}

/** mulberry32: tiny, fast and good enough for simulations; its state is one 32-bit integer. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function drawScore(mix: ScoreMix, random: () => number): ComparisonScore {
  const u = random();
  if (u < mix.win) return 1;
  if (u < mix.win + mix.tie) return 0.5;
  return 0;
}

/** A seed for one (scenario, prompt type), so every method sees the same score stream. */
function streamSeed(seed: number, scenario: number, promptType: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(scenario + 1, 0xc2b2ae35) + Math.imul(promptType + 1, 0x27d4eb2f)) >>> 0;
}

export interface SimulationOptions {
  seed: number;
  /** Simulated prompt types per scenario. */
  promptTypes: number;
  margin: number;
  alpha: number;
  minComparisons: number;
  /** Qualification gives up (no promotion) after this many comparisons. */
  maxComparisons: number;
  meanComparisonsToFalseDemotion: number;
  /** How long a promoted candidate is watched in the drift scenarios. */
  driftHorizon: number;
  /** Good comparisons seen after promotion before quality drops in the late-drift scenario. */
  lateDriftAfter: number;
}

export const DEFAULT_SIMULATION: SimulationOptions = {
  seed: 20261123,
  promptTypes: 2000,
  margin: 0.1,
  alpha: 0.05,
  minComparisons: 30,
  maxComparisons: 2000,
  meanComparisonsToFalseDemotion: 1000,
  driftHorizon: 1000,
  lateDriftAfter: 500,
};

export interface Outcome {
  /** Share of prompt types where the event (promotion or demotion) happened within the horizon. */
  rate: number;
  /** Comparisons until the event among the prompt types where it happened; null when none did. */
  median: number | null;
  p90: number | null;
}

export interface PromotionRow {
  scenario: string;
  mix: ScoreMix;
  /** true when the mean score is at or below m0, so every promotion is a false one. */
  isNull: boolean;
  mixture: Outcome;
  plugIn: Outcome;
}

export interface DemotionRow {
  scenario: string;
  before: ScoreMix;
  after: ScoreMix;
  /** Good comparisons before the drift; the delay is counted from the drift. */
  driftAfter: number;
  /** true when the candidate never drops below the margin, so every demotion is a false one. */
  isNull: boolean;
  detector: Outcome;
}

export interface SimulationReport {
  options: SimulationOptions;
  promotion: PromotionRow[];
  demotion: DemotionRow[];
}

export const PROMOTION_SCENARIOS: ReadonlyArray<{ scenario: string; mix: ScoreMix }> = [
  { scenario: 'at the margin, 10/70/20', mix: { win: 0.1, tie: 0.7, loss: 0.2 } },
  { scenario: 'at the margin, 0/90/10', mix: { win: 0, tie: 0.9, loss: 0.1 } },
  { scenario: 'at the margin, 45/0/55', mix: { win: 0.45, tie: 0, loss: 0.55 } },
  { scenario: 'worse than the margin, 5/70/25', mix: { win: 0.05, tie: 0.7, loss: 0.25 } },
  { scenario: 'every pair ties', mix: { win: 0, tie: 1, loss: 0 } },
  { scenario: '15/75/10', mix: { win: 0.15, tie: 0.75, loss: 0.1 } },
  { scenario: '10/80/10', mix: { win: 0.1, tie: 0.8, loss: 0.1 } },
  { scenario: 'clearly better, 40/50/10', mix: { win: 0.4, tie: 0.5, loss: 0.1 } },
];

const GOOD: ScoreMix = { win: 0.15, tie: 0.75, loss: 0.1 };
const DRIFTED: ScoreMix = { win: 0.05, tie: 0.6, loss: 0.35 };
const AT_MARGIN: ScoreMix = { win: 0.1, tie: 0.7, loss: 0.2 };

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function outcome(times: number[], total: number): Outcome {
  const sorted = [...times].sort((a, b) => a - b);
  return { rate: times.length / total, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
}

function simulatePromotion(opts: SimulationOptions, scenario: number, mix: ScoreMix): { mixture: Outcome; plugIn: Outcome } {
  const mixtureTimes: number[] = [];
  const plugInTimes: number[] = [];
  const testOptions = { margin: opts.margin, alpha: opts.alpha, minComparisons: opts.minComparisons };
  for (let type = 0; type < opts.promptTypes; type++) {
    const random = seededRandom(streamSeed(opts.seed, scenario, type));
    const mixture = new NonInferiorityTest({ ...testOptions, trackLowerBound: false });
    const plugIn = new PlugInBettingTest(testOptions);
    let mixtureDone = false;
    let plugInDone = false;
    for (let n = 1; n <= opts.maxComparisons && !(mixtureDone && plugInDone); n++) {
      const score = drawScore(mix, random);
      if (!mixtureDone) {
        mixture.update(score);
        mixtureDone = mixture.decision === 'promoted';
        if (mixtureDone) mixtureTimes.push(n);
      }
      if (!plugInDone) {
        plugIn.update(score);
        plugInDone = plugIn.decision === 'promoted';
        if (plugInDone) plugInTimes.push(n);
      }
    }
  }
  return { mixture: outcome(mixtureTimes, opts.promptTypes), plugIn: outcome(plugInTimes, opts.promptTypes) };
}

function simulateDemotion(opts: SimulationOptions, scenario: number, before: ScoreMix, after: ScoreMix, driftAfter: number): Outcome {
  const delays: number[] = [];
  for (let type = 0; type < opts.promptTypes; type++) {
    const random = seededRandom(streamSeed(opts.seed, scenario, type));
    const detector = new DriftDetector({ margin: opts.margin, meanComparisonsToFalseDemotion: opts.meanComparisonsToFalseDemotion });
    for (let n = 1; n <= driftAfter + opts.driftHorizon; n++) {
      detector.update(drawScore(n <= driftAfter ? before : after, random));
      if (detector.demotedAfter !== null) {
        // A demotion before the drift counts as immediate (delay 0): it is a false one.
        delays.push(Math.max(0, n - driftAfter));
        break;
      }
    }
  }
  return outcome(delays, opts.promptTypes);
}

export function simulate(overrides: Partial<SimulationOptions> = {}): SimulationReport {
  const opts: SimulationOptions = { ...DEFAULT_SIMULATION, ...overrides };
  const m0 = (1 - opts.margin) / 2;
  const promotion = PROMOTION_SCENARIOS.map(({ scenario, mix }, index) => ({
    scenario,
    mix,
    isNull: meanScore(mix) <= m0 + 1e-12,
    ...simulatePromotion(opts, index, mix),
  }));
  const demotionScenarios = [
    { scenario: 'drift to 5/60/35 right after promotion', before: GOOD, after: DRIFTED, driftAfter: 0, isNull: false },
    { scenario: `drift to 5/60/35 after ${opts.lateDriftAfter} good comparisons`, before: GOOD, after: DRIFTED, driftAfter: opts.lateDriftAfter, isNull: false },
    { scenario: 'no drift, stays 15/75/10', before: GOOD, after: GOOD, driftAfter: 0, isNull: true },
    { scenario: 'no drift, stays at the margin 10/70/20', before: AT_MARGIN, after: AT_MARGIN, driftAfter: 0, isNull: true },
  ];
  const demotion = demotionScenarios.map((row, index) => ({
    ...row,
    detector: simulateDemotion(opts, 100 + index, row.before, row.after, row.driftAfter),
  }));
  return { options: opts, promotion, demotion };
}
