import { ComparisonScore } from './betting-wealth';
import { ParityDecision, PromptTypeQualification, QualificationSnapshot } from './prompt-type-qualification';
import { ScoreMix, seededRandom } from './simulation';

const POLICY = { margin: 0.1, confidence: 0.95, minComparisons: 30, maxComparisons: 400 };

function start(candidates = ['nano', 'small', 'mid'], policy = POLICY): PromptTypeQualification {
  return new PromptTypeQualification({ tenantId: 'acme', promptType: 'extract', baseline: 'big', candidates, policy, atMs: 1_000 });
}

function repeat<T>(value: T, times: number): T[] {
  return Array.from({ length: times }, () => value);
}

/** Records scores one by one (atMs counting up from `fromMs`) and returns the decisions with the comparison that caused them. */
function feed(q: PromptTypeQualification, candidate: string, scores: ComparisonScore[], fromMs = 10_000): Array<ParityDecision & { at: number }> {
  const decisions: Array<ParityDecision & { at: number }> = [];
  scores.forEach((score, i) => {
    const decision = q.recordComparison(candidate, score, fromMs + i);
    if (decision) decisions.push({ ...decision, at: i + 1 });
  });
  return decisions;
}

function draw(mix: ScoreMix, count: number, seed: number): ComparisonScore[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const u = random();
    return u < mix.win ? 1 : u < mix.win + mix.tie ? 0.5 : 0;
  });
}

function promote(q: PromptTypeQualification, candidate: string): void {
  const decisions = feed(q, candidate, repeat<0.5>(0.5, 41));
  expect(decisions.map((d) => d.status)).toEqual(['promoted']);
}

describe('PromptTypeQualification', () => {
  it('starts by qualifying the cheapest candidate while the baseline serves', () => {
    const q = start();
    expect(q.servingModel).toBe('big');
    expect(q.activeCandidate).toBe('nano');
    expect(q.status).toBe('qualifying');
    expect(q.view().candidates.map((c) => [c.model, c.status, c.startedAtMs])).toEqual([
      ['nano', 'qualifying', 1_000],
      ['small', 'waiting', null],
      ['mid', 'waiting', null],
    ]);
  });

  it('refuses a candidate list with duplicates or with the baseline in it', () => {
    expect(() => start(['nano', 'nano'])).toThrow(RangeError);
    expect(() => start(['nano', 'big'])).toThrow(RangeError);
  });

  it('promotes a candidate that ties every pair no earlier than 30 comparisons, after 41 at a margin of 0.10', () => {
    const q = start();
    const decisions = feed(q, 'nano', repeat<0.5>(0.5, 60));
    expect(decisions).toHaveLength(1);
    const [promoted] = decisions;
    expect(promoted.at).toBe(41);
    expect(promoted).toMatchObject({
      tenantId: 'acme',
      promptType: 'extract',
      baseline: 'big',
      candidate: 'nano',
      status: 'promoted',
      servingModel: 'nano',
      activeCandidate: 'nano',
      routeStatus: 'promoted',
      comparisons: 41,
      lowerBound: 0.45,
      atMs: 10_040,
    });
    expect(promoted.reason).toBe('promoted nano: lower 95% bound 0.45 on the mean score reached the margin 0.45 after 41 comparisons (0 wins, 41 ties, 0 losses)');
    expect(q.servingModel).toBe('nano');
    expect(q.status).toBe('promoted');
  });

  it('promotes a candidate that wins every pair exactly at minComparisons, not one comparison earlier', () => {
    const q = start();
    expect(feed(q, 'nano', repeat<1>(1, 29))).toEqual([]);
    const decision = q.recordComparison('nano', 1, 20_000);
    expect(decision).toMatchObject({ status: 'promoted', comparisons: 30 });
  });

  it('shadow-tests a promoted candidate against the baseline: later comparisons feed its drift detector', () => {
    const q = start();
    promote(q, 'nano');
    feed(q, 'nano', repeat<0.5>(0.5, 10));
    const nano = q.view().candidates[0];
    expect(nano).toMatchObject({ status: 'promoted', n: 41, driftComparisons: 10, promotedAtMs: 10_040, decidedAtMs: 10_040 });
    expect(nano.driftStatistic).toBeLessThan(1);
  });

  it('rejects a clearly worse candidate (60% losses) well before maxComparisons and starts the next one', () => {
    const q = start();
    const decisions = feed(q, 'nano', draw({ win: 0.2, tie: 0.2, loss: 0.6 }, 400, 7));
    expect(decisions).toHaveLength(1);
    const [rejected] = decisions;
    expect(rejected).toMatchObject({ candidate: 'nano', status: 'rejected', servingModel: 'big', activeCandidate: 'small', routeStatus: 'qualifying' });
    expect(rejected.at).toBeGreaterThanOrEqual(30);
    expect(rejected.at).toBeLessThan(100);
    expect(rejected.reason).toMatch(/^rejected nano: mean score below the margin 0\.45 at 95% confidence after \d+ comparisons .*; small starts qualifying; big serves meanwhile$/);
    expect(q.view().candidates.map((c) => [c.model, c.status])).toEqual([
      ['nano', 'rejected'],
      ['small', 'qualifying'],
      ['mid', 'waiting'],
    ]);
    expect(q.view().candidates[1]).toMatchObject({ n: 0, startedAtMs: rejected.atMs });
  });

  it('never rejects for futility before minComparisons, however many losses', () => {
    const q = start();
    expect(feed(q, 'nano', repeat<0>(0, 29))).toEqual([]);
    expect(q.recordComparison('nano', 0, 20_000)).toMatchObject({ status: 'rejected', comparisons: 30 });
  });

  it('rarely rejects a candidate that is better than the margin', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const q = start(['nano']);
      const decisions = feed(q, 'nano', draw({ win: 0.15, tie: 0.75, loss: 0.1 }, 400, seed));
      expect(decisions[0]?.status).toBe('promoted');
    }
  });

  it('rejects a candidate that neither proves nor disproves itself at the cap of maxComparisons', () => {
    // With margin 0 every tie is worth exactly the null mean 0.5: neither test's wealth moves.
    const q = start(['nano', 'small'], { ...POLICY, margin: 0, maxComparisons: 50 });
    const decisions = feed(q, 'nano', repeat<0.5>(0.5, 60));
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ at: 50, status: 'rejected', activeCandidate: 'small' });
    expect(decisions[0].reason).toContain('not proven within the cap of 50 comparisons (lower 95% bound');
  });

  it('demotes a promoted candidate that drifts and hands over to the next cheapest', () => {
    const q = start();
    promote(q, 'nano');
    const decisions = feed(q, 'nano', [...repeat<0.5>(0.5, 200), ...draw({ win: 0.05, tie: 0.6, loss: 0.35 }, 600, 3)], 50_000);
    expect(decisions).toHaveLength(1);
    const [demoted] = decisions;
    expect(demoted).toMatchObject({ candidate: 'nano', status: 'demoted', servingModel: 'big', activeCandidate: 'small', routeStatus: 'qualifying' });
    expect(demoted.at).toBeGreaterThan(200);
    expect(demoted.at).toBeLessThan(200 + 400);
    expect(demoted.comparisons).toBe(demoted.at);
    expect(demoted.reason).toMatch(/^demoted nano: drift statistic \d+ reached 1000 after \d+ comparisons since promotion/);
    expect(q.servingModel).toBe('big');
    expect(q.view().candidates[0]).toMatchObject({ status: 'demoted', promotedAtMs: 10_040, decidedAtMs: demoted.atMs });
  });

  it('is exhausted when every candidate fails, and the baseline serves', () => {
    const q = start(['nano', 'small']);
    const first = feed(q, 'nano', repeat<0>(0, 30));
    const second = feed(q, 'small', repeat<0>(0, 30));
    expect(first.map((d) => d.activeCandidate)).toEqual(['small']);
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({ candidate: 'small', status: 'rejected', servingModel: 'big', activeCandidate: null, routeStatus: 'exhausted' });
    expect(second[0].reason).toMatch(/no candidate is left; big serves$/);
    expect(q.status).toBe('exhausted');
    expect(q.activeCandidate).toBeNull();
    expect(q.servingModel).toBe('big');
  });

  it('is exhausted from the start with no candidates', () => {
    const q = start([]);
    expect(q.status).toBe('exhausted');
    expect(q.recordComparison('nano', 1, 2_000)).toBeNull();
  });

  it('ignores stale scores for a candidate that is not active', () => {
    const q = start(['nano', 'small']);
    feed(q, 'nano', repeat<0>(0, 30));
    const before = q.view();
    expect(q.recordComparison('nano', 1, 30_000)).toBeNull();
    expect(q.recordComparison('mid', 1, 30_001)).toBeNull();
    expect(q.recordComparison('big', 1, 30_002)).toBeNull();
    expect(q.view()).toEqual(before);
  });

  it('refuses a score other than 0, 0.5 or 1', () => {
    expect(() => start().recordComparison('nano', 0.7 as ComparisonScore, 2_000)).toThrow(RangeError);
  });

  it('gives identical decisions and views when the same comparisons are replayed', () => {
    const scores = [...repeat<0.5>(0.5, 20), ...draw({ win: 0.15, tie: 0.75, loss: 0.1 }, 200, 5), ...draw({ win: 0, tie: 0.4, loss: 0.6 }, 300, 6)];
    const run = () => {
      const q = start();
      const decisions: ParityDecision[] = [];
      scores.forEach((score, i) => {
        const decision = q.recordComparison(q.activeCandidate ?? 'none', score, 5_000 + i);
        if (decision) decisions.push(decision);
      });
      return { decisions, view: q.view() };
    };
    const first = run();
    expect(first.decisions.map((d) => d.status)).toContain('promoted');
    expect(first.decisions.map((d) => d.status)).toContain('demoted');
    expect(run()).toEqual(first);
  });

  it('continues identically after a snapshot survives a JSON round trip mid-qualification and after promotion', () => {
    const scores = draw({ win: 0.15, tie: 0.75, loss: 0.1 }, 300, 9);
    for (const [cut, status] of [[17, 'qualifying'], [150, 'promoted']] as const) {
      const original = start();
      feed(original, 'nano', scores.slice(0, cut));
      expect(original.status).toBe(status);
      const snapshot = JSON.parse(JSON.stringify(original.snapshot())) as QualificationSnapshot;
      const restored = PromptTypeQualification.restore(snapshot);
      expect(restored.view()).toEqual(original.view());
      expect(feed(restored, 'nano', scores.slice(cut))).toEqual(feed(original, 'nano', scores.slice(cut)));
      expect(restored.view()).toEqual(original.view());
      expect(restored.snapshot()).toEqual(original.snapshot());
    }
  });

  it('refuses a snapshot of another version', () => {
    const snapshot = { ...start().snapshot(), version: 2 } as unknown as QualificationSnapshot;
    expect(() => PromptTypeQualification.restore(snapshot)).toThrow(RangeError);
  });

  describe('requalify', () => {
    it('changes nothing when the candidate list and its order are unchanged', () => {
      const q = start(['nano', 'small']);
      feed(q, 'nano', repeat<0>(0, 30));
      const before = q.snapshot();
      expect(q.requalify(['nano', 'small'], 90_000)).toBeNull();
      expect(q.snapshot()).toEqual(before);
    });

    it('keeps a promoted candidate that is still the cheapest serving with its running drift detector, and resets the rest', () => {
      const q = start(['nano', 'small']);
      promote(q, 'nano');
      feed(q, 'nano', repeat<0>(0, 5));
      const nanoBefore = q.view().candidates[0];
      expect(q.requalify(['nano', 'mid'], 90_000)).toBeNull();
      expect(q.servingModel).toBe('nano');
      expect(q.view().candidates).toEqual([nanoBefore, expect.objectContaining({ model: 'mid', status: 'waiting' })]);
    });

    it('keeps the evidence of a qualifying candidate that is still the cheapest', () => {
      const q = start(['nano', 'small']);
      feed(q, 'nano', repeat<0.5>(0.5, 35));
      expect(q.requalify(['nano'], 90_000)).toBeNull();
      expect(feed(q, 'nano', repeat<0.5>(0.5, 6))).toMatchObject([{ at: 6, status: 'promoted', comparisons: 41 }]);
    });

    it('qualifies a new cheaper candidate from scratch while the baseline serves, taking the promoted one off traffic', () => {
      const q = start(['nano', 'small']);
      feed(q, 'nano', repeat<0>(0, 30));
      promote(q, 'small');
      const decision = q.requalify(['pico', 'nano', 'small'], 90_000);
      expect(decision).toMatchObject({ candidate: 'pico', status: 'qualifying', servingModel: 'big', activeCandidate: 'pico', routeStatus: 'qualifying', comparisons: 0, atMs: 90_000 });
      expect(decision?.reason).toBe('pico starts qualifying: the candidate list changed (small was promoted); big serves until a candidate is proven');
      // Previously rejected and promoted candidates get fresh tests too.
      expect(q.view().candidates.map((c) => [c.model, c.status, c.n])).toEqual([
        ['pico', 'qualifying', 0],
        ['nano', 'waiting', 0],
        ['small', 'waiting', 0],
      ]);
    });

    it('retries candidates of an exhausted prompt type when the list changes', () => {
      const q = start(['nano']);
      feed(q, 'nano', repeat<0>(0, 30));
      expect(q.status).toBe('exhausted');
      expect(q.requalify(['nano', 'small'], 90_000)).toMatchObject({ candidate: 'nano', status: 'qualifying', activeCandidate: 'nano' });
      expect(q.recordComparison('nano', 1, 90_001)).toBeNull();
      expect(q.view().candidates[0].n).toBe(1);
    });

    it('withdraws the active candidate when no candidate is left', () => {
      const q = start(['nano']);
      promote(q, 'nano');
      expect(q.requalify([], 90_000)).toMatchObject({ candidate: 'nano', status: 'withdrawn', servingModel: 'big', activeCandidate: null, routeStatus: 'exhausted' });
      expect(q.status).toBe('exhausted');
      expect(q.requalify(['nano'], 90_001)).toMatchObject({ status: 'qualifying' });
      expect(start([]).requalify(['small'], 90_000)?.reason).toContain('(no candidate was left)');
    });
  });
});
