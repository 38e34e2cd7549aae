// Decides whether one request becomes an evaluation sample, and keeps the evaluation of each tenant
// within its daily budget. Pure: randomness is injected, time arrives as epoch ms, money is integer
// picodollars (bigint) — a float would lose cents over a day of sub-cent judge calls.
//
// The budget is reserved before the money is spent (the candidate replay and the judge calls) and
// settled with the actual cost afterwards, so concurrent samples can never jointly pass the budget
// on estimates. Days are UTC days of the epoch: Unix time has exactly 86 400 000 ms per day.

import { ParityPolicy } from './parity-policy';
import { QualificationStatus } from './prompt-type-qualification';

const MS_PER_DAY = 86_400_000;

export function shouldSample(rate: number, random: () => number): boolean {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`A sample rate is in [0, 1], got ${rate}`);
  // The extremes draw nothing, so a rate of 0 or 1 does not advance a seeded generator.
  if (rate === 0) return false;
  if (rate === 1) return true;
  return random() < rate;
}

/** High while a candidate is unproven (proof needs comparisons), low once decided (drift watch only). */
export function sampleRateFor(policy: Pick<ParityPolicy, 'sampleRateQualifying' | 'sampleRateDecided'>, status: QualificationStatus): number {
  return status === 'qualifying' ? policy.sampleRateQualifying : policy.sampleRateDecided;
}

interface DayLedger {
  day: number;
  reservedPico: bigint;
  spentPico: bigint;
}

/**
 * Per tenant and UTC day: reserved + spent never exceeds the day's budget on estimates. Spend is
 * booked on the day a reservation is settled — when the money actually goes out — so reservations
 * still in flight at midnight move to the new day and count against its budget. A settled cost
 * above its estimate is still booked (money is never lost from the ledger), which is the only way
 * to exceed the budget: over-spend is bounded by the estimation error of the reservations in flight
 * when the last one was admitted — one replay's when samples are evaluated one at a time — because
 * the excess then blocks every further reservation that day.
 */
export class EvalBudget {
  private readonly ledgers = new Map<string, DayLedger>();

  /** `budgetPicoPerDay`: e.g. the tenant-level `resolveParityPolicy(...)?.evalBudgetPicoPerDay ?? 0n`. */
  constructor(private readonly budgetPicoPerDay: (tenantId: string) => bigint) {}

  /** Reserves `estimatePico` for one sample; false (nothing reserved) when it would not fit today. */
  reserve(tenantId: string, estimatePico: bigint, atMs: number): boolean {
    assertAmount(estimatePico, 'estimate');
    const ledger = this.ledgerFor(tenantId, atMs);
    if (ledger.reservedPico + ledger.spentPico + estimatePico > this.budgetPicoPerDay(tenantId)) return false;
    ledger.reservedPico += estimatePico;
    return true;
  }

  /** Turns a reservation into spend at its actual cost; settle with 0n to release an unused one. */
  settle(tenantId: string, reservedPico: bigint, actualPico: bigint, atMs: number): void {
    assertAmount(reservedPico, 'reservation');
    assertAmount(actualPico, 'actual cost');
    const ledger = this.ledgerFor(tenantId, atMs);
    if (reservedPico > ledger.reservedPico) {
      throw new RangeError(`Settling ${reservedPico} pico for ${tenantId} but only ${ledger.reservedPico} is reserved`);
    }
    ledger.reservedPico -= reservedPico;
    ledger.spentPico += actualPico;
  }

  spentToday(tenantId: string, atMs: number): bigint {
    const ledger = this.ledgers.get(tenantId);
    return ledger !== undefined && ledger.day >= utcDay(atMs) ? ledger.spentPico : 0n;
  }

  /**
   * A call stamped with an earlier day than the ledger's (clock skew between replicas) counts
   * against the current day: the ledger never goes back, which can only make it stricter.
   */
  private ledgerFor(tenantId: string, atMs: number): DayLedger {
    const day = utcDay(atMs);
    let ledger = this.ledgers.get(tenantId);
    if (ledger === undefined) {
      ledger = { day, reservedPico: 0n, spentPico: 0n };
      this.ledgers.set(tenantId, ledger);
    } else if (day > ledger.day) {
      ledger.day = day;
      ledger.spentPico = 0n;
    }
    return ledger;
  }
}

function utcDay(atMs: number): number {
  if (!Number.isFinite(atMs)) throw new RangeError(`A time is epoch milliseconds, got ${atMs}`);
  return Math.floor(atMs / MS_PER_DAY);
}

function assertAmount(amount: bigint, what: string): void {
  if (typeof amount !== 'bigint' || amount < 0n) throw new RangeError(`The ${what} must be a bigint ≥ 0 picodollars, got ${String(amount)}`);
}
