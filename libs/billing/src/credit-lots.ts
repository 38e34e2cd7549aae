// Expiring credits. A grant or purchase with an expiry time is a *lot*; when it expires, the part
// of it the tenant did not use leaves the balance as an `expiry` transaction. This module says
// what "the part not used" is, as a pure function of the tenant's available account; posting the
// expiries is credit-expiry.ts. It must never work out an expiry that would take the balance below
// zero: in the ledger only usage may overdraw (ledger.ts).
//
// The rule (docs/billing-api.md, "Expiring credits"):
//   1. Spending (usage debits, corrections down) draws on the open lot that expires first, then on
//      the next one, and on credits that never expire last. Credits that never expire are grants
//      and purchases without an expiry, refunds and corrections up.
//   2. When a lot expires, what it still holds expires, but never more than the balance at that
//      instant nor more than the balance now: credits that covered an overdraft were used.
//   3. A lot's expiry, once worked out, stands (even when it was zero). Usage charged later for a
//      time before the expiry draws on what is left and may overdraw, as any usage may.
// Within one instant, lots expire first, then lots open, then money moves: spending at the very
// instant a lot expires no longer draws on it.
import type { CreditUnits } from './ledger';

export type LotKind = 'grant' | 'purchase';

export interface CreditLot {
  /** The transaction id of the grant or purchase that brought the credits. */
  lotId: string;
  units: CreditUnits;
  /** The effective time of that grant or purchase. */
  grantedAt: Date;
  expiresAt: Date;
  /** What expired when the lot did (0n when nothing was left); null until its expiry is worked out. */
  expiredUnits: CreditUnits | null;
}

/**
 * Everything else on the tenant's available account: what left it and what arrived at an instant.
 * Any grouping is allowed as long as no lot opens or expires strictly inside a group (the order of
 * spending and crediting between two lot events changes nothing under rule 1), so the store sums
 * the entries between consecutive lot events and dates each sum by its first entry.
 */
export interface BalanceMovement {
  at: Date;
  /** Credits that left the balance (usage, corrections down, expiries of no lot), ≥ 0. */
  spent: CreditUnits;
  /** Credits that arrived and never expire, ≥ 0. */
  credited: CreditUnits;
}

export interface LotExpiry {
  lotId: string;
  /** What leaves the balance; 0n when the lot was used up (or covered an overdraft). */
  units: CreditUnits;
}

/** The idempotency key of a lot's expiry transaction: one expiry per grant or purchase. */
export function lotExpiryKey(kind: LotKind, sourceId: string): string {
  return `${kind}:${sourceId}`;
}

type TimelineEvent =
  | { at: number; rank: 0; lot: CreditLot }
  | { at: number; rank: 1; lot: CreditLot }
  | { at: number; rank: 2; movement: BalanceMovement };

/** Spending order: the lot that expires first, then the one granted first; the id breaks ties. */
function byExpiry(a: CreditLot, b: CreditLot): number {
  return a.expiresAt.getTime() - b.expiresAt.getTime() || a.grantedAt.getTime() - b.grantedAt.getTime() || (a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0);
}

/**
 * The expiries of the lots that are due at `now` (expired by then, not yet worked out), in the
 * order they expired. `lots` are all of the tenant's lots (those worked out before take part with
 * what they expired, those not yet due are spent from like any other), `movements` the rest of
 * its available account up to the last due expiry, `balance` its available balance now.
 */
export function lotExpiries(p: { lots: readonly CreditLot[]; movements: readonly BalanceMovement[]; balance: CreditUnits; now: Date }): LotExpiry[] {
  const due = p.lots.filter((l) => l.expiredUnits === null && l.expiresAt.getTime() <= p.now.getTime());
  if (due.length === 0) return [];
  const horizon = Math.max(...due.map((l) => l.expiresAt.getTime()));

  const events: TimelineEvent[] = [];
  for (const lot of p.lots) {
    if (lot.expiresAt.getTime() <= lot.grantedAt.getTime()) throw new RangeError(`lot ${lot.lotId} expires before it was granted`);
    events.push({ at: lot.grantedAt.getTime(), rank: 1, lot }, { at: lot.expiresAt.getTime(), rank: 0, lot });
  }
  for (const movement of p.movements) {
    if (movement.spent < 0n || movement.credited < 0n) throw new RangeError('spent and credited are magnitudes, never negative');
    events.push({ at: movement.at.getTime(), rank: 2, movement });
  }
  events.sort((a, b) => a.at - b.at || a.rank - b.rank || ('lot' in a && 'lot' in b ? byExpiry(a.lot, b.lot) : 0));

  // What each open lot still holds, and the credits that never expire (negative while overdrawn).
  const open = new Map<string, { lot: CreditLot; remaining: CreditUnits }>();
  let lasting = 0n;
  // What new expiries may still take without taking the balance of now below zero.
  let budget = p.balance;
  const out: LotExpiry[] = [];

  for (const event of events) {
    if (event.at > horizon) break;
    if (event.rank === 1) {
      open.set(event.lot.lotId, { lot: event.lot, remaining: event.lot.units });
    } else if (event.rank === 2) {
      let spend = event.movement.spent;
      for (const held of [...open.values()].sort((a, b) => byExpiry(a.lot, b.lot))) {
        if (spend === 0n) break;
        const take = held.remaining < spend ? held.remaining : spend;
        held.remaining -= take;
        spend -= take;
      }
      lasting += event.movement.credited - spend;
    } else {
      const held = open.get(event.lot.lotId);
      const remaining = held?.remaining ?? 0n;
      open.delete(event.lot.lotId);
      // Every lot expiring up to the horizon is due or worked out: the horizon is not after now.
      let expired = event.lot.expiredUnits;
      if (expired === null) {
        let balanceThen = lasting + remaining;
        for (const h of open.values()) balanceThen += h.remaining;
        expired = min(remaining, atLeastZero(balanceThen), atLeastZero(budget));
        budget -= expired;
        out.push({ lotId: event.lot.lotId, units: expired });
      }
      // What the lot held beyond what expired had covered an overdraft (or was spent by usage
      // charged after its expiry was worked out): it stays in the balance as credits that last.
      lasting += remaining - expired;
    }
  }
  return out;
}

function min(...values: CreditUnits[]): CreditUnits {
  return values.reduce((a, b) => (b < a ? b : a));
}

function atLeastZero(v: CreditUnits): CreditUnits {
  return v < 0n ? 0n : v;
}
