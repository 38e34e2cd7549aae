// The lifecycle of one (tenant, prompt type): which model serves it, and which cheaper candidate is
// being proven or watched. Pure and synchronous: time arrives as epoch ms, nothing is read from a
// clock, a random source or I/O, so the state is a function of the recorded comparisons alone and
// every decision can be explained, and rebuilt, by replaying the stored verdicts in order.
//
// One candidate is active at a time, the cheapest one not yet rejected or demoted:
//   waiting → qualifying → promoted (serves; the baseline becomes its shadow) → demoted
//                        ↘ rejected (cap of maxComparisons, or the futility test below)
// A rejection or demotion hands over to the next candidate; when none is left the baseline serves
// and the prompt type is exhausted until `requalify` brings a new candidate list.
//
// Futility. A qualifying candidate also runs the mirror image of the promotion test: a betting test
// of H0: mean score ≥ m0 that bets on LOW scores, factor 1 − (c_k/(1 − m0))(y − m0), and rejects
// the candidate when its wealth reaches 1/α (after minComparisons). Under that H0 it is a
// nonnegative supermartingale, so a candidate that is in fact good enough is wrongly rejected with
// probability ≤ α (that costs savings, never quality). It cannot raise the false-promotion rate:
// futility and the cap only ever STOP a candidate's promotion test, never change its bets, so the
// event "promoted" is contained in "the promotion test's wealth reached 1/α at some n", which
// Ville's inequality bounds by α whatever the stopping rule (ADR 0007). Each candidate tried spends
// its own α: over K candidates the chance that some candidate worse than the margin is ever
// promoted is at most K·α.

import { assertScore, BET_FRACTIONS, ComparisonScore, logMeanExp } from './betting-wealth';
import { DEFAULT_MEAN_COMPARISONS_TO_FALSE_DEMOTION, DriftDetector, DriftDetectorSnapshot } from './drift-detector';
import { NonInferiorityTest, NonInferiorityTestSnapshot, validateNonInferiorityOptions } from './non-inferiority-test';
import { ParityPolicy } from './parity-policy';

export type CandidateStatus = 'waiting' | 'qualifying' | 'promoted' | 'demoted' | 'rejected';
export type QualificationStatus = 'qualifying' | 'promoted' | 'exhausted';
/** 'withdrawn': the active candidate left the candidate list (requalify) and nothing replaced it. */
export type ParityDecisionStatus = 'promoted' | 'demoted' | 'rejected' | 'qualifying' | 'withdrawn';

export type QualificationRules = Pick<ParityPolicy, 'margin' | 'confidence' | 'minComparisons' | 'maxComparisons'> & {
  /** The drift detector's A (ADR 0007): a candidate at the margin is falsely demoted once per A comparisons on average. */
  meanComparisonsToFalseDemotion: number;
};

export interface ParityDecision {
  tenantId: string;
  promptType: string;
  baseline: string;
  /** The candidate this decision is about. */
  candidate: string;
  status: ParityDecisionStatus;
  /** The model that answers the prompt type's traffic from now on. */
  servingModel: string;
  /** The candidate now qualifying or shadow-tested; null when none is left (the baseline serves). */
  activeCandidate: string | null;
  /** The prompt type as a whole from now on; drives the sample rate (`sampleRateFor`). */
  routeStatus: QualificationStatus;
  /** Comparisons behind the decision: since promotion for 'demoted', of the promotion test otherwise. */
  comparisons: number;
  /** The candidate's lower confidence bound on its mean score from its promotion test. */
  lowerBound: number;
  atMs: number;
  /** A sentence an operator can read. */
  reason: string;
}

export interface CandidateView {
  model: string;
  status: CandidateStatus;
  /** Comparisons of the promotion test, and its tally. */
  n: number;
  wins: number;
  ties: number;
  losses: number;
  lowerBound: number;
  /** Comparisons seen by the drift detector since promotion (0 before). */
  driftComparisons: number;
  /** The drift detector's statistic; null until promoted. */
  driftStatistic: number | null;
  startedAtMs: number | null;
  promotedAtMs: number | null;
  /** When it was last promoted, demoted or rejected. */
  decidedAtMs: number | null;
}

export interface QualificationView {
  tenantId: string;
  promptType: string;
  baseline: string;
  servingModel: string;
  activeCandidate: string | null;
  status: QualificationStatus;
  candidates: CandidateView[];
}

export interface CandidateSnapshot {
  model: string;
  status: CandidateStatus;
  test: NonInferiorityTestSnapshot | null;
  /** log wealth of each futility bettor, in BET_FRACTIONS order. */
  futilityLogWealth: number[] | null;
  drift: DriftDetectorSnapshot | null;
  startedAtMs: number | null;
  promotedAtMs: number | null;
  decidedAtMs: number | null;
}

export interface QualificationSnapshot {
  version: 1;
  tenantId: string;
  promptType: string;
  baseline: string;
  rules: QualificationRules;
  candidates: CandidateSnapshot[];
}

export interface QualificationInit {
  tenantId: string;
  promptType: string;
  baseline: string;
  /** Cheapest first, as `orderCandidates` returns them. */
  candidates: string[];
  policy: Pick<ParityPolicy, 'margin' | 'confidence' | 'minComparisons' | 'maxComparisons'>;
  /** Defaults to DEFAULT_MEAN_COMPARISONS_TO_FALSE_DEMOTION (1000). */
  meanComparisonsToFalseDemotion?: number;
  atMs: number;
}

interface Candidate {
  model: string;
  status: CandidateStatus;
  test: NonInferiorityTest | null;
  futilityLogWealth: number[] | null;
  drift: DriftDetector | null;
  startedAtMs: number | null;
  promotedAtMs: number | null;
  decidedAtMs: number | null;
}

function waiting(model: string): Candidate {
  return { model, status: 'waiting', test: null, futilityLogWealth: null, drift: null, startedAtMs: null, promotedAtMs: null, decidedAtMs: null };
}

function validateCandidates(baseline: string, candidates: string[]): void {
  if (new Set(candidates).size !== candidates.length) throw new RangeError(`Candidates must be distinct, got ${candidates.join(', ')}`);
  if (candidates.includes(baseline)) throw new RangeError(`The baseline ${baseline} cannot be its own candidate`);
}

const bound = (x: number): string => x.toFixed(2);

export class PromptTypeQualification {
  private readonly tenantId: string;
  private readonly promptType: string;
  private readonly baseline: string;
  private readonly rules: QualificationRules;
  private readonly nullMean: number;
  private readonly logThreshold: number;
  private readonly confidenceLabel: string;
  private candidates: Candidate[];

  constructor(init: QualificationInit) {
    validateCandidates(init.baseline, init.candidates);
    const { margin, confidence, minComparisons, maxComparisons } = init.policy;
    if (!(Number.isInteger(maxComparisons) && maxComparisons >= Math.max(1, minComparisons))) {
      throw new RangeError(`maxComparisons must be a whole number ≥ minComparisons and ≥ 1, got ${maxComparisons}`);
    }
    this.rules = {
      margin,
      confidence,
      minComparisons,
      maxComparisons,
      meanComparisonsToFalseDemotion: init.meanComparisonsToFalseDemotion ?? DEFAULT_MEAN_COMPARISONS_TO_FALSE_DEMOTION,
    };
    validateNonInferiorityOptions(this.testOptions());
    if (!(this.rules.meanComparisonsToFalseDemotion > 1)) {
      throw new RangeError(`meanComparisonsToFalseDemotion must be > 1, got ${this.rules.meanComparisonsToFalseDemotion}`);
    }
    this.tenantId = init.tenantId;
    this.promptType = init.promptType;
    this.baseline = init.baseline;
    this.nullMean = (1 - margin) / 2;
    this.logThreshold = Math.log(1 / (1 - confidence));
    this.confidenceLabel = `${+(confidence * 100).toFixed(1)}%`;
    this.candidates = init.candidates.map(waiting);
    this.startNext(0, init.atMs);
  }

  /** The baseline, or the promoted candidate. */
  get servingModel(): string {
    const active = this.active;
    return active?.status === 'promoted' ? active.model : this.baseline;
  }

  /** The candidate being qualified, or promoted and shadow-tested; null when exhausted. */
  get activeCandidate(): string | null {
    return this.active?.model ?? null;
  }

  get status(): QualificationStatus {
    const active = this.active;
    return active === null ? 'exhausted' : active.status === 'promoted' ? 'promoted' : 'qualifying';
  }

  /**
   * Feeds one judged comparison of `candidate` against the baseline. Scores for a candidate that is
   * not active (verdicts still in flight when it was rejected, demoted or replaced) are ignored and
   * return null. Returns a decision when the serving model or the active candidate changes.
   */
  recordComparison(candidate: string, score: ComparisonScore, atMs: number): ParityDecision | null {
    assertScore(score);
    const active = this.active;
    if (active === null || active.model !== candidate) return null;
    return active.status === 'promoted' ? this.watch(active, score, atMs) : this.qualify(active, score, atMs);
  }

  /**
   * The model menu or prices changed; `candidates` is the new list, cheapest first.
   * - The same list in the same order changes nothing: the tests measure quality, not price.
   * - If the active candidate is still the cheapest, it keeps its state — a promoted one keeps
   *   serving with its running drift detector, a qualifying one keeps its evidence — because a price
   *   or menu change does not change its answers, and drift (not a restart) is what catches a model
   *   that got worse. Every other candidate starts over as waiting.
   * - Otherwise every candidate starts over, including ones rejected or demoted before (a new menu
   *   is the moment to retry them), the cheapest qualifies and the baseline serves until one is
   *   proven. That may take a promoted candidate off traffic for one qualification (at most
   *   maxComparisons samples) when a cheaper one appears; in exchange every served candidate has an
   *   unbroken record of proof and drift against the baseline.
   */
  requalify(candidates: string[], atMs: number): ParityDecision | null {
    validateCandidates(this.baseline, candidates);
    if (candidates.length === this.candidates.length && candidates.every((m, i) => m === this.candidates[i].model)) return null;
    const previous = this.active;
    if (previous !== null && candidates[0] === previous.model) {
      this.candidates = [previous, ...candidates.slice(1).map(waiting)];
      return null;
    }
    this.candidates = candidates.map(waiting);
    this.startNext(0, atMs);
    const next = this.active;
    const was = previous === null ? 'no candidate was left' : `${previous.model} was ${previous.status}`;
    if (next !== null) {
      const why = `${next.model} starts qualifying: the candidate list changed (${was}); ${this.baseline} serves until a candidate is proven`;
      return this.decision(next, 'qualifying', 0, atMs, why);
    }
    if (previous === null) return null;
    return this.decision(previous, 'withdrawn', previous.test?.n ?? 0, atMs, `${previous.model} withdrawn: no eligible candidate is left; ${this.baseline} serves`);
  }

  view(): QualificationView {
    return {
      tenantId: this.tenantId,
      promptType: this.promptType,
      baseline: this.baseline,
      servingModel: this.servingModel,
      activeCandidate: this.activeCandidate,
      status: this.status,
      candidates: this.candidates.map((c) => {
        const tally = c.test?.tally();
        return {
          model: c.model,
          status: c.status,
          n: tally?.n ?? 0,
          wins: tally?.wins ?? 0,
          ties: tally?.ties ?? 0,
          losses: tally?.losses ?? 0,
          lowerBound: tally?.lowerBound ?? 0,
          driftComparisons: c.drift?.n ?? 0,
          driftStatistic: c.drift?.statistic ?? null,
          startedAtMs: c.startedAtMs,
          promotedAtMs: c.promotedAtMs,
          decidedAtMs: c.decidedAtMs,
        };
      }),
    };
  }

  snapshot(): QualificationSnapshot {
    return {
      version: 1,
      tenantId: this.tenantId,
      promptType: this.promptType,
      baseline: this.baseline,
      rules: { ...this.rules },
      candidates: this.candidates.map((c) => ({
        model: c.model,
        status: c.status,
        test: c.test?.snapshot() ?? null,
        futilityLogWealth: c.futilityLogWealth ? [...c.futilityLogWealth] : null,
        drift: c.drift?.snapshot() ?? null,
        startedAtMs: c.startedAtMs,
        promotedAtMs: c.promotedAtMs,
        decidedAtMs: c.decidedAtMs,
      })),
    };
  }

  static restore(snapshot: QualificationSnapshot): PromptTypeQualification {
    if (snapshot.version !== 1) throw new RangeError(`Unknown PromptTypeQualification snapshot version ${String(snapshot.version)}`);
    const { meanComparisonsToFalseDemotion, ...policy } = snapshot.rules;
    const { tenantId, promptType, baseline } = snapshot;
    const restored = new PromptTypeQualification({ tenantId, promptType, baseline, candidates: [], policy, meanComparisonsToFalseDemotion, atMs: 0 });
    restored.candidates = snapshot.candidates.map((c) => {
      if (c.futilityLogWealth && c.futilityLogWealth.length !== BET_FRACTIONS.length) {
        throw new RangeError('PromptTypeQualification snapshot was written with a different bet grid');
      }
      return {
        model: c.model,
        status: c.status,
        test: c.test ? NonInferiorityTest.restore(c.test) : null,
        futilityLogWealth: c.futilityLogWealth ? [...c.futilityLogWealth] : null,
        drift: c.drift ? DriftDetector.restore(c.drift) : null,
        startedAtMs: c.startedAtMs,
        promotedAtMs: c.promotedAtMs,
        decidedAtMs: c.decidedAtMs,
      };
    });
    validateCandidates(snapshot.baseline, restored.candidates.map((c) => c.model));
    return restored;
  }

  /** Invariant: candidates before the active one are rejected or demoted, those after it waiting. */
  private get active(): Candidate | null {
    return this.candidates.find((c) => c.status === 'qualifying' || c.status === 'promoted') ?? null;
  }

  private testOptions() {
    return { margin: this.rules.margin, alpha: 1 - this.rules.confidence, minComparisons: this.rules.minComparisons };
  }

  private startNext(index: number, atMs: number): void {
    const next = this.candidates[index];
    if (next === undefined) return;
    next.status = 'qualifying';
    next.test = new NonInferiorityTest(this.testOptions());
    next.futilityLogWealth = BET_FRACTIONS.map(() => 0);
    next.startedAtMs = atMs;
  }

  private qualify(active: Candidate, score: ComparisonScore, atMs: number): ParityDecision | null {
    const test = active.test as NonInferiorityTest;
    const futility = active.futilityLogWealth as number[];
    test.update(score);
    // Bets on low scores against "the candidate is no worse than the margin": the promotion test's mirror.
    for (let k = 0; k < BET_FRACTIONS.length; k++) {
      futility[k] += Math.log1p(-(BET_FRACTIONS[k] / (1 - this.nullMean)) * (score - this.nullMean));
    }
    const { n, wins, ties, losses, lowerBound } = test.tally();
    const record = `${n} comparisons (${wins} wins, ${ties} ties, ${losses} losses)`;
    const margin = bound(this.nullMean);

    if (test.decision === 'promoted') {
      active.status = 'promoted';
      active.drift = new DriftDetector({ margin: this.rules.margin, meanComparisonsToFalseDemotion: this.rules.meanComparisonsToFalseDemotion });
      active.promotedAtMs = atMs;
      active.decidedAtMs = atMs;
      const lower = `lower ${this.confidenceLabel} bound ${bound(lowerBound)} on the mean score`;
      return this.decision(active, 'promoted', n, atMs, `promoted ${active.model}: ${lower} reached the margin ${margin} after ${record}`);
    }
    let why: string | null = null;
    if (n >= this.rules.minComparisons && logMeanExp(futility) >= this.logThreshold) {
      why = `mean score below the margin ${margin} at ${this.confidenceLabel} confidence after ${record}`;
    } else if (n >= this.rules.maxComparisons) {
      const lower = `lower ${this.confidenceLabel} bound ${bound(lowerBound)}, margin ${margin}`;
      why = `not proven within the cap of ${this.rules.maxComparisons} comparisons (${lower}; ${wins} wins, ${ties} ties, ${losses} losses)`;
    }
    if (why === null) return null;
    return this.handOver(active, 'rejected', n, atMs, why);
  }

  private watch(active: Candidate, score: ComparisonScore, atMs: number): ParityDecision | null {
    const drift = active.drift as DriftDetector;
    drift.update(score);
    if (drift.decision !== 'demoted') return null;
    const reached = `drift statistic ${drift.statistic.toFixed(0)} reached ${this.rules.meanComparisonsToFalseDemotion}`;
    const why = `${reached} after ${drift.n} comparisons since promotion: evidence that it fell below the margin ${bound(this.nullMean)}`;
    return this.handOver(active, 'demoted', drift.n, atMs, why);
  }

  private handOver(active: Candidate, status: 'rejected' | 'demoted', comparisons: number, atMs: number, why: string): ParityDecision {
    active.status = status;
    active.decidedAtMs = atMs;
    this.startNext(this.candidates.indexOf(active) + 1, atMs);
    const next = this.activeCandidate;
    const then = next === null ? `no candidate is left; ${this.baseline} serves` : `${next} starts qualifying; ${this.baseline} serves meanwhile`;
    return this.decision(active, status, comparisons, atMs, `${status} ${active.model}: ${why}; ${then}`);
  }

  private decision(subject: Candidate, status: ParityDecisionStatus, comparisons: number, atMs: number, reason: string): ParityDecision {
    return {
      tenantId: this.tenantId,
      promptType: this.promptType,
      baseline: this.baseline,
      candidate: subject.model,
      status,
      servingModel: this.servingModel,
      activeCandidate: this.activeCandidate,
      routeStatus: this.status,
      comparisons,
      lowerBound: subject.test?.lowerBound ?? 0,
      atMs,
      reason,
    };
  }
}
