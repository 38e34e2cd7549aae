// Budgets without a database round trip (DESIGN.md): billing owns a budget as a BudgetAccount and
// hands out LEASES, slices of what is left; each ingress replica spends its slice locally through
// a LeaseWallet, asks for more at a low-water mark, and returns what it did not use.
//
// The safety property: the account never grants more than is available (total − spent −
// outstanding), so the sum of all spending across all replicas can never exceed the budget. Leases
// shrink as the budget runs low (a share of the remainder, not the requested size), so the tail of
// a budget is spread over replicas instead of stranded in one. Pure: no clocks, no randomness,
// no I/O (the time is always passed in as `now`); lease ids are sequential per account. The billing
// service persists an account between calls (budget-store.ts): it restores one from its rows,
// applies a change, and writes state() back.
//
// Leases have a lifetime so that a crashed replica cannot strand its slice forever: a lease granted
// with a term expires `ttlSeconds` after it was granted unless its holder renews it (every
// settlement renews), and expireLeases() then closes it and gives what it still held back to the
// budget. The holder's last settlement is what counts: spending it never reported is not charged,
// so a vanished holder can overspend the budget by at most what its leases still held.
import type { CreditUnits } from './ledger';

/**
 * Why 300 s: a holder settles every few seconds while it spends, so five minutes survive many
 * missed settlements (a GC pause, a billing restart, a network blip) before a live lease lapses,
 * yet a crashed replica's slice is back in the budget within minutes rather than hours.
 */
export const DEFAULT_LEASE_TTL_SECONDS = 300;
/**
 * Why 1 h: the longest a crashed replica can keep its slice away from everyone else; a holder
 * that needs longer renews.
 */
export const MAX_LEASE_TTL_SECONDS = 3_600;

export interface Lease {
  leaseId: string;
  holderId: string;
  granted: CreditUnits;
  /** When billing closes the lease unless its holder renews it first; absent: never. */
  expiresAt?: Date;
  /** How far a renewal (or a settlement) pushes expiresAt beyond the time it happens. */
  ttlSeconds?: number;
}

/** When a lease is granted and for how long; without one a lease never expires. */
export interface LeaseTerm {
  now: Date;
  ttlSeconds: number;
}

/** A lease closed by expireLeases(): `returned` went back to the budget. */
export interface ExpiredLease {
  leaseId: string;
  holderId: string;
  returned: CreditUnits;
  expiresAt: Date;
}

export interface BudgetAccountOptions {
  /** Largest lease ever granted; defaults to no limit besides the sizing rule. */
  maxLease?: CreditUnits;
  /**
   * A lease is at most available / tailShare. Why 4 by default: a handful of replicas each gets a
   * meaningful slice, yet the last quarter of a budget is never held by one replica alone.
   */
  tailShare?: bigint;
  /**
   * Below this size the sizing rule stops shrinking (so the tail is spendable); still never more
   * than available. Defaults to 1 unit.
   */
  minLease?: CreditUnits;
}

export class UnknownLease extends Error {
  constructor(readonly leaseId: string) {
    super(`unknown or closed lease ${leaseId}`);
    this.name = 'UnknownLease';
  }
}

/**
 * The lease outlived its term without being renewed: billing closed it and gave its unspent rest
 * back to the budget. Its holder must stop spending it; what it spent since its last settlement
 * is not charged (REST: 410 lease_expired).
 */
export class LeaseExpired extends Error {
  constructor(
    readonly leaseId: string,
    readonly expiresAt: Date,
  ) {
    super(`lease ${leaseId} expired at ${expiresAt.toISOString()}`);
    this.name = 'LeaseExpired';
  }
}

/** The budget has nothing left to lease: ingress maps this to a 402/429-style error naming the budget. */
export class BudgetExhausted extends Error {
  constructor(readonly budgetId: string) {
    super(`budget ${budgetId} is exhausted`);
    this.name = 'BudgetExhausted';
  }
}

/** A settle or return larger than what the lease still holds: the holder's books disagree with billing's. */
export class LeaseOverdrawn extends RangeError {
  constructor(
    readonly leaseId: string,
    readonly amount: CreditUnits,
    readonly remaining: CreditUnits,
  ) {
    super(`lease ${leaseId}: ${amount} units exceed the ${remaining} it still holds`);
    this.name = 'LeaseOverdrawn';
  }
}

/** A cap below what is already spent and leased: lowering it that far would un-grant leases. */
export class BudgetBelowCommitted extends RangeError {
  constructor(
    readonly budgetId: string,
    readonly requestedTotal: CreditUnits,
    readonly committed: CreditUnits,
  ) {
    super(`budget ${budgetId}: cannot shrink to ${requestedTotal}, ${committed} is already spent or leased`);
    this.name = 'BudgetBelowCommitted';
  }
}

/** What billing persists of an account: enough to restore it exactly. */
export interface BudgetAccountState {
  total: CreditUnits;
  spent: CreditUnits;
  /** Number of the last lease granted; the next one is `<budgetId>:<leaseSequence + 1>`. */
  leaseSequence: number;
  /** Open leases, `granted` being what each still holds (as openLeases() reports them). */
  openLeases: readonly Lease[];
}

interface OpenLease {
  holderId: string;
  /** Granted and not yet settled. */
  remaining: CreditUnits;
  expiresAt?: Date;
  ttlSeconds?: number;
}

/** Billing's side: the budget, what has been spent, and the leases outstanding. */
export class BudgetAccount {
  private spentUnits = 0n;
  private outstandingUnits = 0n;
  private sequence = 0;
  private readonly leases = new Map<string, OpenLease>();
  private readonly maxLease: CreditUnits | undefined;
  private readonly tailShare: bigint;
  private readonly minLease: CreditUnits;

  constructor(
    readonly budgetId: string,
    private totalUnits: CreditUnits,
    options: BudgetAccountOptions = {},
  ) {
    if (totalUnits < 0n) throw new RangeError('a budget cannot be negative');
    this.maxLease = options.maxLease;
    this.tailShare = options.tailShare ?? 4n;
    this.minLease = options.minLease ?? 1n;
    if (this.tailShare < 1n) throw new RangeError('tailShare must be at least 1');
    if (this.minLease < 1n) throw new RangeError('minLease must be at least 1');
  }

  /** Rebuilds an account from persisted state; refuses a state that breaks the account's invariants. */
  static restore(budgetId: string, state: BudgetAccountState, options: BudgetAccountOptions = {}): BudgetAccount {
    const account = new BudgetAccount(budgetId, state.total, options);
    if (state.spent < 0n) throw new RangeError(`budget ${budgetId}: spent cannot be negative`);
    if (!Number.isSafeInteger(state.leaseSequence) || state.leaseSequence < 0) throw new RangeError(`budget ${budgetId}: invalid lease sequence ${state.leaseSequence}`);
    account.spentUnits = state.spent;
    account.sequence = state.leaseSequence;
    for (const lease of state.openLeases) {
      if (lease.granted < 0n) throw new RangeError(`lease ${lease.leaseId} cannot hold a negative amount`);
      if (account.leases.has(lease.leaseId)) throw new RangeError(`lease ${lease.leaseId} is listed twice`);
      if ((lease.expiresAt === undefined) !== (lease.ttlSeconds === undefined)) throw new RangeError(`lease ${lease.leaseId} needs both expiresAt and ttlSeconds, or neither`);
      if (lease.ttlSeconds !== undefined) checkTtl(lease.ttlSeconds);
      account.leases.set(lease.leaseId, { holderId: lease.holderId, remaining: lease.granted, expiresAt: lease.expiresAt, ttlSeconds: lease.ttlSeconds });
      account.outstandingUnits += lease.granted;
    }
    if (account.available < 0n) throw new RangeError(`budget ${budgetId}: spent and leased exceed the total`);
    return account;
  }

  /** The state to persist; restore() of it gives an equal account. */
  state(): BudgetAccountState {
    return { total: this.totalUnits, spent: this.spentUnits, leaseSequence: this.sequence, openLeases: this.openLeases() };
  }

  get total(): CreditUnits {
    return this.totalUnits;
  }

  /** Settled spending. */
  get spent(): CreditUnits {
    return this.spentUnits;
  }

  /** Granted to holders and not yet settled or returned. */
  get outstanding(): CreditUnits {
    return this.outstandingUnits;
  }

  /** What can still be leased: total − spent − outstanding. */
  get available(): CreditUnits {
    return this.totalUnits - this.spentUnits - this.outstandingUnits;
  }

  /**
   * Grants up to `requested`, never beyond what is available, and shrinking as the budget runs
   * low: min(requested, maxLease, max(minLease, available / tailShare), available). Returns
   * undefined when nothing is available (the budget is exhausted). With a term the lease expires
   * `term.ttlSeconds` after `term.now` unless renewed.
   */
  grantLease(holderId: string, requested: CreditUnits, term?: LeaseTerm): Lease | undefined {
    if (requested <= 0n) throw new RangeError('a lease request must be positive');
    if (term) checkTtl(term.ttlSeconds);
    const available = this.available;
    if (available <= 0n) return undefined;
    let size = requested;
    if (this.maxLease !== undefined && size > this.maxLease) size = this.maxLease;
    const share = available / this.tailShare;
    const shareFloor = share > this.minLease ? share : this.minLease;
    if (size > shareFloor) size = shareFloor;
    if (size > available) size = available;
    this.sequence += 1;
    const leaseId = `${this.budgetId}:${this.sequence}`;
    const expiresAt = term && new Date(term.now.getTime() + term.ttlSeconds * 1_000);
    this.leases.set(leaseId, { holderId, remaining: size, expiresAt, ttlSeconds: term?.ttlSeconds });
    this.outstandingUnits += size;
    return leaseView(leaseId, this.leases.get(leaseId)!);
  }

  /**
   * Records spending against an open lease; the lease stays open with the rest. Given `now`, a
   * lease past its term is refused (LeaseExpired) and a live one is renewed by its own ttl: a
   * holder that settles is alive.
   */
  settle(leaseId: string, spent: CreditUnits, now?: Date): void {
    const lease = this.live(leaseId, now);
    if (spent < 0n) throw new RangeError(`settle ${leaseId}: spent ${spent} is negative`);
    if (spent > lease.remaining) throw new LeaseOverdrawn(leaseId, spent, lease.remaining);
    lease.remaining -= spent;
    this.outstandingUnits -= spent;
    this.spentUnits += spent;
    if (now) extend(lease, now, lease.ttlSeconds);
  }

  /**
   * Closes a lease: `unused` goes back to the budget and the rest of what was still outstanding on
   * the lease counts as spent. Given `now`, a lease past its term is refused (LeaseExpired).
   */
  returnLease(leaseId: string, unused: CreditUnits, now?: Date): void {
    const lease = this.live(leaseId, now);
    if (unused < 0n) throw new RangeError(`return ${leaseId}: unused ${unused} is negative`);
    if (unused > lease.remaining) throw new LeaseOverdrawn(leaseId, unused, lease.remaining);
    this.settle(leaseId, lease.remaining - unused);
    this.outstandingUnits -= unused;
    this.leases.delete(leaseId);
  }

  /**
   * Keeps a lease alive: it now expires `ttlSeconds` (default: its own ttl, which a given one
   * replaces for later renewals) after `now`. Never shortens a term: to end a lease early, return
   * it. A lease granted without a term gets one. Returns the new expiry.
   */
  renewLease(leaseId: string, now: Date, ttlSeconds?: number): Date {
    const lease = this.live(leaseId, now);
    const ttl = ttlSeconds ?? lease.ttlSeconds;
    if (ttl === undefined) throw new RangeError(`renew ${leaseId}: the lease has no term, so a ttl is needed`);
    checkTtl(ttl);
    lease.ttlSeconds = ttl;
    extend(lease, now, ttl);
    return lease.expiresAt!;
  }

  /**
   * Closes every lease whose term ended at or before `now` and gives what it still held back to
   * the budget. Spending its holder never settled is not charged: the holder's last settlement
   * counts. Why not count the rest as spent (as revokeLease does): the lease most likely belongs
   * to a crashed replica, which settles often and so had spent little of what it still held;
   * counting that as spent would strand a slice of the budget per crash, which is what expiry is
   * for. The price is bounded: at most what the lapsed leases still held.
   */
  expireLeases(now: Date): ExpiredLease[] {
    const expired: ExpiredLease[] = [];
    for (const [leaseId, lease] of [...this.leases]) {
      if (lease.expiresAt === undefined || lease.expiresAt > now) continue;
      this.outstandingUnits -= lease.remaining;
      this.leases.delete(leaseId);
      expired.push({ leaseId, holderId: lease.holderId, returned: lease.remaining, expiresAt: lease.expiresAt });
    }
    return expired;
  }

  /**
   * Closes a lease without trusting its holder's books at all (an operator revokes it): what it
   * might have spent is unknown, so all of it counts as spent. Under-using a budget is
   * recoverable, overspending it is not. (A lease that merely lapsed is closed by expireLeases.)
   */
  revokeLease(leaseId: string): void {
    this.returnLease(leaseId, 0n);
  }

  /** Adds to (or, negative, removes from) the budget, e.g. after a purchase. Never below spent + outstanding. */
  adjustTotal(delta: CreditUnits): void {
    const committed = this.spentUnits + this.outstandingUnits;
    if (this.totalUnits + delta < committed) throw new BudgetBelowCommitted(this.budgetId, this.totalUnits + delta, committed);
    this.totalUnits += delta;
  }

  /** An open lease with what it still holds (as `granted`); undefined when unknown or closed. */
  openLease(leaseId: string): Lease | undefined {
    const lease = this.leases.get(leaseId);
    return lease && leaseView(leaseId, lease);
  }

  openLeases(): Lease[] {
    return [...this.leases].map(([leaseId, l]) => leaseView(leaseId, l));
  }

  /** The open lease; with `now`, refused when its term has ended (even if not yet expired by expireLeases). */
  private live(leaseId: string, now: Date | undefined): OpenLease {
    const lease = this.leases.get(leaseId);
    if (!lease) throw new UnknownLease(leaseId);
    if (now && lease.expiresAt !== undefined && lease.expiresAt <= now) throw new LeaseExpired(leaseId, lease.expiresAt);
    return lease;
  }
}

function checkTtl(ttlSeconds: number): void {
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_LEASE_TTL_SECONDS) {
    throw new RangeError(`a lease ttl must be a whole number of seconds from 1 to ${MAX_LEASE_TTL_SECONDS}, not ${ttlSeconds}`);
  }
}

/** Pushes a lease's expiry to `now + ttl` unless it already lasts longer. */
function extend(lease: OpenLease, now: Date, ttlSeconds: number | undefined): void {
  if (ttlSeconds === undefined) return;
  const until = new Date(now.getTime() + ttlSeconds * 1_000);
  if (lease.expiresAt === undefined || until > lease.expiresAt) lease.expiresAt = until;
}

/** A lease as callers see it: `granted` is what it still holds; no term fields when it has none. */
function leaseView(leaseId: string, l: OpenLease): Lease {
  const view: Lease = { leaseId, holderId: l.holderId, granted: l.remaining };
  if (l.expiresAt !== undefined) view.expiresAt = new Date(l.expiresAt);
  if (l.ttlSeconds !== undefined) view.ttlSeconds = l.ttlSeconds;
  return view;
}

export interface LeaseWalletOptions {
  /** needsRefill() is true once the wallet holds less than this. */
  lowWaterMark: CreditUnits;
}

interface HeldLease {
  granted: CreditUnits;
  spent: CreditUnits;
  /** Spent but not yet reported with settlements(). */
  unreported: CreditUnits;
}

/**
 * Ingress's side: the leases one replica holds for one budget. trySpend() is a local decision
 * with no I/O; settlements() and returnAll() produce what to send back to billing.
 */
export class LeaseWallet {
  private readonly held = new Map<string, HeldLease>();

  constructor(private readonly options: LeaseWalletOptions) {
    if (options.lowWaterMark < 0n) throw new RangeError('lowWaterMark cannot be negative');
  }

  /** Unspent units across held leases. */
  get remaining(): CreditUnits {
    let sum = 0n;
    for (const l of this.held.values()) sum += l.granted - l.spent;
    return sum;
  }

  /** Adds a granted lease (a refill). */
  take(lease: Lease): void {
    if (lease.granted < 0n) throw new RangeError('a lease cannot be negative');
    if (this.held.has(lease.leaseId)) throw new RangeError(`lease ${lease.leaseId} is already held`);
    this.held.set(lease.leaseId, { granted: lease.granted, spent: 0n, unreported: 0n });
  }

  /** Spends `amount` if the held leases cover it (oldest lease first); false, spending nothing, if not. */
  trySpend(amount: CreditUnits): boolean {
    if (amount < 0n) throw new RangeError('cannot spend a negative amount');
    if (amount > this.remaining) return false;
    let left = amount;
    for (const l of this.held.values()) {
      if (left === 0n) break;
      const part = l.granted - l.spent < left ? l.granted - l.spent : left;
      l.spent += part;
      l.unreported += part;
      left -= part;
    }
    return true;
  }

  /**
   * Forgets a lease billing no longer honours (it answered 410 lease_expired): nothing more is spent
   * from it. Returns what was spent from it and never settled, which billing will not charge;
   * 0 for a lease the wallet does not hold.
   */
  drop(leaseId: string): CreditUnits {
    const lease = this.held.get(leaseId);
    this.held.delete(leaseId);
    return lease?.unreported ?? 0n;
  }

  /** True when the wallet is at or below its low-water mark: time to ask billing for a refill. */
  needsRefill(): boolean {
    return this.remaining <= this.options.lowWaterMark;
  }

  /**
   * Spending not yet reported, per lease, for BudgetAccount.settle(); resets the counters. A fully
   * spent lease is reported with `closed: true` and dropped from the wallet: billing settles it
   * and then closes it with returnLease(leaseId, 0n). With `all`, idle leases are listed too (with
   * nothing spent): settling renews a lease, so a timer that settles them all keeps every lease
   * the replica holds from expiring.
   */
  settlements(options: { all?: boolean } = {}): Array<{ leaseId: string; spent: CreditUnits; closed: boolean }> {
    const out: Array<{ leaseId: string; spent: CreditUnits; closed: boolean }> = [];
    for (const [leaseId, l] of [...this.held]) {
      const closed = l.spent === l.granted;
      if (l.unreported > 0n || closed || options.all) out.push({ leaseId, spent: l.unreported, closed });
      l.unreported = 0n;
      if (closed) this.held.delete(leaseId);
    }
    return out;
  }

  /**
   * Gives every lease back (shutdown, budget change): per lease the unused units for
   * BudgetAccount.returnLease(); unreported spending is included implicitly (returnLease counts
   * everything not returned as spent). Empties the wallet.
   */
  returnAll(): Array<{ leaseId: string; unused: CreditUnits }> {
    const out = [...this.held].map(([leaseId, l]) => ({ leaseId, unused: l.granted - l.spent }));
    this.held.clear();
    return out;
  }
}
