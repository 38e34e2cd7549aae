import { periodCount, picoToUsd, toCsv, trendRows, type PeriodTotals } from './billing-reports';

const USD = 1_000_000_000_000n; // picodollars per dollar

function totals(start: string, revenueUsd: bigint, cogsUsd: bigint, requests = 1): PeriodTotals {
  return { start, requests, credits: revenueUsd * 100n * 1_000_000n, revenuePico: revenueUsd * USD, cogsPico: cogsUsd * USD };
}

describe('trendRows', () => {
  it('reports each period against the one before, the first only serving as that', () => {
    const rows = trendRows([totals('2026-03-01', 100n, 50n), totals('2026-03-02', 200n, 150n), totals('2026-03-03', 0n, 0n, 0)]);
    expect(rows).toEqual([
      {
        period: '2026-03-02', requests: 1, credits: '20000000000', revenueUsd: '200', cogsUsd: '150', marginUsd: '50', marginPct: '25.00',
        revenueChangeUsd: '100', cogsChangeUsd: '100', marginChangeUsd: '0', revenueChangePct: '100.00', marginPctChange: '-25.00',
      },
      {
        period: '2026-03-03', requests: 0, credits: '0', revenueUsd: '0', cogsUsd: '0', marginUsd: '0', marginPct: null,
        revenueChangeUsd: '-200', cogsChangeUsd: '-150', marginChangeUsd: '-50', revenueChangePct: '-100.00', marginPctChange: null,
      },
    ]);
  });

  it('rounds percentages half away from zero to two decimals, exactly', () => {
    // margin 1/3 = 33.333…% → 33.33; margin −2/3 → −66.67; 0.125% → 0.13, −0.125% → −0.13.
    const [third, loss] = trendRows([totals('a', 0n, 0n), totals('b', 3n, 2n), { ...totals('c', 0n, 0n), revenuePico: 3n * USD, cogsPico: 5n * USD }]);
    expect(third.marginPct).toBe('33.33');
    expect(loss.marginPct).toBe('-66.67');
    expect(loss.marginPctChange).toBe('-100.00');
    const [tiny, negativeTiny] = trendRows([
      totals('a', 0n, 0n),
      { ...totals('b', 0n, 0n), revenuePico: 8_000n, cogsPico: 7_990n },
      { ...totals('c', 0n, 0n), revenuePico: 8_000n, cogsPico: 8_010n },
    ]);
    expect(tiny.marginPct).toBe('0.13');
    expect(negativeTiny.marginPct).toBe('-0.13');
    expect(negativeTiny.marginPctChange).toBe('-0.26');
    expect(tiny.revenueChangePct).toBeNull(); // nothing to compare with
  });

  it('keeps sub-cent amounts exact', () => {
    const [row] = trendRows([totals('a', 0n, 0n), { start: 'b', requests: 1, credits: 1n, revenuePico: 10_000n, cogsPico: 7_500n }]);
    expect([row.revenueUsd, row.cogsUsd, row.marginUsd, row.marginPct]).toEqual(['0.00000001', '0.0000000075', '0.0000000025', '25.00']);
    expect(picoToUsd(-1n)).toBe('-0.000000000001');
  });

  it('writes the trend as CSV with one column per field', () => {
    const csv = toCsv(trendRows([totals('2026-03-01', 1n, 0n), totals('2026-03-02', 2n, 1n)]).map((r) => ({ ...r })));
    expect(csv.split('\n')[0]).toBe('period,requests,credits,revenueUsd,cogsUsd,marginUsd,marginPct,revenueChangeUsd,cogsChangeUsd,marginChangeUsd,revenueChangePct,marginPctChange');
    expect(csv.split('\n')[1]).toBe('2026-03-02,1,200000000,2,1,1,50.00,1,1,0,100.00,-50.00');
  });
});

describe('periodCount', () => {
  it('counts the calendar periods a half-open range touches (UTC, weeks from Monday)', () => {
    const t = (iso: string) => new Date(iso);
    expect(periodCount('day', t('2026-03-01T00:00:00Z'), t('2026-03-02T00:00:00Z'))).toBe(1);
    expect(periodCount('day', t('2026-03-01T23:00:00Z'), t('2026-03-02T00:00:01Z'))).toBe(2);
    expect(periodCount('week', t('2026-03-02T00:00:00Z'), t('2026-03-09T00:00:00Z'))).toBe(1); // Monday to Monday
    expect(periodCount('week', t('2026-03-01T00:00:00Z'), t('2026-03-02T00:00:01Z'))).toBe(2); // Sunday into Monday
    expect(periodCount('month', t('2025-12-31T00:00:00Z'), t('2026-02-01T00:00:00Z'))).toBe(2);
    expect(periodCount('month', t('2026-01-15T00:00:00Z'), t('2026-01-16T00:00:00Z'))).toBe(1);
  });
});
