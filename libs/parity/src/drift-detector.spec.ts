import { DriftDetector } from './drift-detector';
import { seededRandom } from './simulation';

const OPTIONS = { margin: 0.1, meanComparisonsToFalseDemotion: 1000 };

function repeat<T>(value: T, times: number): T[] {
  return Array.from({ length: times }, () => value);
}

describe('DriftDetector', () => {
  it('starts promoted with a statistic of 1', () => {
    const detector = new DriftDetector(OPTIONS);
    expect(detector.decision).toBe('promoted');
    expect(detector.statistic).toBe(1);
    expect(detector.demotedAfter).toBeNull();
  });

  it('demotes after a run of losses, quickly', () => {
    const detector = new DriftDetector(OPTIONS);
    let n = 0;
    while (detector.decision === 'promoted' && n < 100) {
      detector.update(0);
      n++;
    }
    expect(detector.decision).toBe('demoted');
    expect(n).toBeLessThanOrEqual(20);
    expect(detector.demotedAfter).toBe(n);
  });

  it('does not bank credit from a long good run: losses after 1000 wins demote as fast as at the start', () => {
    const fresh = new DriftDetector(OPTIONS);
    const seasoned = new DriftDetector(OPTIONS);
    for (const score of repeat<1>(1, 1000)) seasoned.update(score);
    expect(seasoned.statistic).toBeLessThanOrEqual(1);
    let freshN = 0;
    while (fresh.decision === 'promoted') {
      fresh.update(0);
      freshN++;
    }
    let seasonedN = 0;
    while (seasoned.decision === 'promoted') {
      seasoned.update(0);
      seasonedN++;
    }
    expect(seasonedN).toBe(freshN);
  });

  it('never demotes a candidate that ties every pair', () => {
    const detector = new DriftDetector(OPTIONS);
    for (const score of repeat<0.5>(0.5, 5000)) detector.update(score);
    expect(detector.decision).toBe('promoted');
  });

  it('stays demoted once demoted', () => {
    const detector = new DriftDetector(OPTIONS);
    for (const score of repeat<0>(0, 30)) detector.update(score);
    const at = detector.demotedAfter;
    for (const score of repeat<1>(1, 100)) detector.update(score);
    expect(detector.decision).toBe('demoted');
    expect(detector.demotedAfter).toBe(at);
  });

  it('rarely demotes a candidate exactly at the margin within its false-demotion horizon', () => {
    // 10/70/20 has mean 0.45 = m0; the guarantee is a mean of ≥ 1000 comparisons to a false demotion.
    const random = seededRandom(11);
    let demoted = 0;
    const runs = 200;
    for (let run = 0; run < runs; run++) {
      const detector = new DriftDetector(OPTIONS);
      for (let n = 0; n < 200 && detector.decision === 'promoted'; n++) {
        const u = random();
        detector.update(u < 0.1 ? 1 : u < 0.8 ? 0.5 : 0);
      }
      if (detector.decision === 'demoted') demoted++;
    }
    expect(demoted / runs).toBeLessThanOrEqual(0.05);
  });

  it('continues identically after a snapshot survives a JSON round trip', () => {
    const random = seededRandom(3);
    const draw = (): 0 | 0.5 | 1 => {
      const u = random();
      return u < 0.05 ? 1 : u < 0.65 ? 0.5 : 0;
    };
    const original = new DriftDetector(OPTIONS);
    for (let i = 0; i < 20; i++) original.update(draw());
    const restored = DriftDetector.restore(JSON.parse(JSON.stringify(original.snapshot())));
    for (let i = 0; i < 300; i++) {
      const score = draw();
      original.update(score);
      restored.update(score);
    }
    expect(restored.snapshot()).toEqual(original.snapshot());
  });

  it('rejects invalid options, scores and snapshots', () => {
    expect(() => new DriftDetector({ ...OPTIONS, margin: 1 })).toThrow(RangeError);
    expect(() => new DriftDetector({ ...OPTIONS, meanComparisonsToFalseDemotion: 1 })).toThrow(RangeError);
    expect(() => new DriftDetector(OPTIONS).update(2 as 1)).toThrow(RangeError);
    const snapshot = new DriftDetector(OPTIONS).snapshot();
    expect(() => DriftDetector.restore({ ...snapshot, version: 9 as 1 })).toThrow(RangeError);
    expect(() => DriftDetector.restore({ ...snapshot, logCusum: [] })).toThrow(RangeError);
  });
});
