// Budgets and their leases in PostgreSQL: billing is the authority that ingress replicas lease
// from. Every change runs the pure BudgetAccount of budget-lease.ts inside one transaction that
// holds the budget row FOR UPDATE: load the account, expire its lapsed leases, apply the change,
// write it back. Requests from many replicas for one budget therefore apply one after another, and
// the account's rule (never grant beyond cap − spent − outstanding) holds across all of them.
// Never applies a settlement or a lease request twice: each carries the holder's id for it, and a
// repeat returns the first result.
//
// Time is an argument (`now`, the caller's clock, defaulting to this process's): lease terms are
// computed from it and compared with it, never with the database's clock, so tests control it.
import { Logger } from '@assay/platform';
import type { DataSource, EntityManager } from 'typeorm';
import {
  BudgetAccount,
  BudgetBelowCommitted,
  BudgetExhausted,
  DEFAULT_LEASE_TTL_SECONDS,
  LeaseExpired,
  LeaseOverdrawn,
  UnknownLease,
  type Lease,
} from './budget-lease';
import type { CreditUnits } from './ledger';

const log = new Logger('budget-store');

/** How many budgets the sweep expires per round; why 100: one round stays a short burst of small transactions. */
const SWEEP_BATCH = 100;

export class UnknownBudget extends Error {
  constructor(readonly budgetId: string) {
    super(`unknown budget ${budgetId}`);
    this.name = 'UnknownBudget';
  }
}

/** A settle id used again with a different amount or close flag: a client bug, never applied. */
export class SettleIdReused extends Error {
  constructor(
    readonly leaseId: string,
    readonly settleId: string,
  ) {
    super(`settle id ${settleId} was already used on lease ${leaseId} with a different body`);
    this.name = 'SettleIdReused';
  }
}

/** A lease request id used again by the same holder on the same budget with a different amount or ttl. */
export class LeaseRequestIdReused extends Error {
  constructor(
    readonly budgetId: string,
    readonly holderId: string,
    readonly requestId: string,
  ) {
    super(`request id ${requestId} of ${holderId} was already used on budget ${budgetId} with a different body`);
    this.name = 'LeaseRequestIdReused';
  }
}

export interface BudgetLeaseView {
  leaseId: string;
  holderId: string;
  grantedUnits: CreditUnits;
  /** Granted and not yet settled. */
  remainingUnits: CreditUnits;
  grantedAt: Date;
  /** Billing closes the lease then unless its holder settles or renews it first. */
  expiresAt: Date;
}

export interface BudgetView {
  budgetId: string;
  capUnits: CreditUnits;
  /** Settled spending. */
  spentUnits: CreditUnits;
  /** Held by open leases, not yet settled. */
  outstandingUnits: CreditUnits;
  /** cap − spent − outstanding: what can still be leased. */
  availableUnits: CreditUnits;
  openLeases: BudgetLeaseView[];
}

export interface LeaseRequest {
  budgetId: string;
  holderId: string;
  requestedUnits: CreditUnits;
  /** How long the lease lives without a renewal; DEFAULT_LEASE_TTL_SECONDS when absent. */
  ttlSeconds?: number;
  /** The holder's id for this request: the same (budget, holder, request id) gets the same lease. */
  requestId?: string;
}

export interface LeaseGrant extends Lease {
  budgetId: string;
  expiresAt: Date;
  ttlSeconds: number;
  /** True when this request id had been granted before: the lease is that one, nothing changed now. */
  replayed: boolean;
}

export interface LeaseSettlement {
  leaseId: string;
  settleId: string;
  spentUnits: CreditUnits;
  close: boolean;
}

export interface SettlementResult extends LeaseSettlement {
  /** What the lease still holds after this settlement (0 once closed). */
  remainingUnits: CreditUnits;
  /** Given back to the budget by closing. */
  returnedUnits: CreditUnits;
  closed: boolean;
  /** When the lease expires after this settlement renewed it; null once closed (or unknown, for settlements older than lease terms). */
  expiresAt: Date | null;
  /** True when this settle id had been applied before and nothing changed now. */
  replayed: boolean;
}

export interface LeaseRenewal {
  leaseId: string;
  holderId: string;
  remainingUnits: CreditUnits;
  expiresAt: Date;
  ttlSeconds: number;
}

/** Creates the budget or changes its cap; a cap below what is spent and leased is refused (BudgetBelowCommitted). */
export async function setBudgetCap(db: DataSource, budgetId: string, capUnits: CreditUnits, now = new Date()): Promise<{ budget: BudgetView; created: boolean }> {
  if (capUnits < 0n) throw new RangeError('a budget cap cannot be negative');
  const inserted: unknown[] = await db.query(
    `INSERT INTO billing.budgets (budget_id, cap_units) VALUES ($1, $2) ON CONFLICT (budget_id) DO NOTHING RETURNING 1`,
    [budgetId, capUnits.toString()],
  );
  await changeBudget(db, budgetId, now, async (m, account) => {
    account.adjustTotal(capUnits - account.total);
    await m.query(`UPDATE billing.budgets SET cap_units = $2, updated_at = now() WHERE budget_id = $1`, [budgetId, capUnits.toString()]);
  });
  return { budget: await readBudget(db, budgetId, now), created: inserted.length > 0 };
}

/**
 * The budget as it is at `now`. Lock-free (a consistent snapshot of one statement) unless a lease in
 * it has lapsed: then the budget is locked once to expire it, so a budget is never reported with
 * a slice that billing no longer counts as leased.
 */
export async function readBudget(db: DataSource, budgetId: string, now = new Date()): Promise<BudgetView> {
  const view = await snapshotBudget(db, budgetId);
  if (!view.openLeases.some((l) => l.expiresAt <= now)) return view;
  await changeBudget(db, budgetId, now, async () => undefined);
  return snapshotBudget(db, budgetId);
}

/**
 * Leases a slice of the budget to a holder, sized by BudgetAccount.grantLease (at most what was
 * asked, shrinking as the budget runs low), living `ttlSeconds` unless renewed. Throws
 * BudgetExhausted when nothing is left. With a request id, a repeated request returns the lease
 * the first one got (`replayed`), even when the budget has run out since; the same id with a
 * different amount or ttl is refused (LeaseRequestIdReused).
 */
export async function leaseFromBudget(db: DataSource, request: LeaseRequest, now = new Date()): Promise<LeaseGrant> {
  const { budgetId, holderId, requestedUnits, requestId } = request;
  const ttlSeconds = request.ttlSeconds ?? DEFAULT_LEASE_TTL_SECONDS;
  return changeBudget(db, budgetId, now, async (m, account) => {
    if (requestId !== undefined) {
      // Under the budget's lock, so two deliveries of one request cannot both be granted.
      const [earlier]: Array<{ lease_id: string; granted: string; requested: string | null; ttl_seconds: number; expires_at: Date }> = await m.query(
        `SELECT lease_id, granted_units::text AS granted, requested_units::text AS requested, ttl_seconds, expires_at
         FROM billing.budget_leases WHERE budget_id = $1 AND holder_id = $2 AND request_id = $3`,
        [budgetId, holderId, requestId],
      );
      if (earlier) {
        if (earlier.requested !== requestedUnits.toString() || earlier.ttl_seconds !== ttlSeconds) throw new LeaseRequestIdReused(budgetId, holderId, requestId);
        return { leaseId: earlier.lease_id, budgetId, holderId, granted: BigInt(earlier.granted), expiresAt: earlier.expires_at, ttlSeconds, replayed: true };
      }
    }
    const lease = account.grantLease(holderId, requestedUnits, { now, ttlSeconds });
    if (!lease) throw new BudgetExhausted(budgetId);
    await m.query(
      `WITH lease AS (
         INSERT INTO billing.budget_leases (lease_id, budget_id, holder_id, granted_units, remaining_units, requested_units, request_id, ttl_seconds, granted_at, expires_at)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9)
       )
       UPDATE billing.budgets SET lease_sequence = $10, updated_at = now() WHERE budget_id = $2`,
      [lease.leaseId, budgetId, holderId, lease.granted.toString(), requestedUnits.toString(), requestId ?? null, ttlSeconds, now, lease.expiresAt, account.state().leaseSequence],
    );
    return { ...lease, budgetId, expiresAt: lease.expiresAt!, ttlSeconds, replayed: false };
  });
}

/**
 * Records what a holder spent from a lease since its last settlement and, with `close`, gives the
 * unspent rest back to the budget; settling renews the lease by its ttl. Idempotent per (leaseId,
 * settleId), even after the lease closed or expired. Throws UnknownLease for a lease that does not
 * exist or was closed by its holder, LeaseExpired for one that lapsed (what it reports now is not
 * counted: the holder's last settlement before that is), LeaseOverdrawn when spentUnits exceeds
 * what the lease still holds.
 */
export async function settleLease(db: DataSource, settlement: LeaseSettlement, now = new Date()): Promise<SettlementResult> {
  const { leaseId, settleId, spentUnits, close } = settlement;
  return changeBudget(db, await budgetOfLease(db, leaseId), now, async (m, account) => {
    // Checked under the lock, so two deliveries of one settlement cannot both apply.
    const [previous]: Array<{ spent: string; close: boolean; remaining: string; returned: string; expires_at: Date | null }> = await m.query(
      `SELECT spent_units::text AS spent, close, remaining_units::text AS remaining, returned_units::text AS returned, expires_at
       FROM billing.lease_settlements WHERE lease_id = $1 AND settle_id = $2`,
      [leaseId, settleId],
    );
    if (previous) {
      if (BigInt(previous.spent) !== spentUnits || previous.close !== close) throw new SettleIdReused(leaseId, settleId);
      return { ...settlement, remainingUnits: BigInt(previous.remaining), returnedUnits: BigInt(previous.returned), closed: previous.close, expiresAt: previous.expires_at, replayed: true };
    }
    await refuseClosedLease(m, account, leaseId);
    account.settle(leaseId, spentUnits, now);
    const lease = account.openLease(leaseId)!;
    const returnedUnits = close ? lease.granted : 0n;
    if (close) account.returnLease(leaseId, returnedUnits, now);
    const remainingUnits = close ? 0n : lease.granted;
    const expiresAt = close ? null : lease.expiresAt!;
    await m.query(
      `WITH settlement AS (
         INSERT INTO billing.lease_settlements (lease_id, settle_id, spent_units, close, returned_units, remaining_units, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $9)
       ),
       lease AS (
         UPDATE billing.budget_leases SET remaining_units = $6, returned_units = returned_units + $5, expires_at = coalesce($9, expires_at),
           closed_at = CASE WHEN $4 THEN now() END, closed_reason = CASE WHEN $4 THEN 'returned' END
         WHERE lease_id = $1
       )
       UPDATE billing.budgets SET spent_units = $8, updated_at = now() WHERE budget_id = $7`,
      [leaseId, settleId, spentUnits.toString(), close, returnedUnits.toString(), remainingUnits.toString(), account.budgetId, account.spent.toString(), expiresAt],
    );
    return { ...settlement, remainingUnits, returnedUnits, closed: close, expiresAt, replayed: false };
  });
}

/**
 * Keeps a lease alive without settling: it then expires `ttlSeconds` (default: its own ttl, which a
 * given one replaces) after `now`, or later if it already did. Throws UnknownLease for an unknown
 * or closed lease, LeaseExpired for one that lapsed.
 */
export async function renewLease(db: DataSource, renewal: { leaseId: string; ttlSeconds?: number }, now = new Date()): Promise<LeaseRenewal> {
  const { leaseId, ttlSeconds } = renewal;
  return changeBudget(db, await budgetOfLease(db, leaseId), now, async (m, account) => {
    await refuseClosedLease(m, account, leaseId);
    const expiresAt = account.renewLease(leaseId, now, ttlSeconds);
    const lease = account.openLease(leaseId)!;
    await m.query(`UPDATE billing.budget_leases SET expires_at = $2, ttl_seconds = $3 WHERE lease_id = $1`, [leaseId, expiresAt, lease.ttlSeconds]);
    return { leaseId, holderId: lease.holderId, remainingUnits: lease.granted, expiresAt, ttlSeconds: lease.ttlSeconds! };
  });
}

/**
 * Expires every lease that lapsed by `now`, budget by budget, for budgets nobody touches (every
 * change to a budget expires its own). Skips a budget whose row is locked: whoever holds the lock
 * expires its leases. Returns how many leases it closed.
 */
export async function expireLapsedLeases(db: DataSource, now = new Date()): Promise<number> {
  let total = 0;
  for (;;) {
    const budgets: Array<{ budget_id: string }> = await db.query(
      `SELECT DISTINCT budget_id FROM billing.budget_leases WHERE closed_at IS NULL AND expires_at <= $1 LIMIT ${SWEEP_BATCH}`,
      [now],
    );
    let expired = 0;
    for (const { budget_id } of budgets) {
      expired += await db.transaction(async (m) => (await lockAccount(m, budget_id, now, { skipLocked: true }))?.expired ?? 0);
    }
    total += expired;
    // Nothing expired in a full round means every budget left was locked: the next sweep retries.
    if (budgets.length < SWEEP_BATCH || expired === 0) return total;
  }
}

/** Refusals a change may answer with; it raises them before it writes anything. */
const REFUSALS = [UnknownBudget, UnknownLease, LeaseExpired, BudgetExhausted, LeaseOverdrawn, BudgetBelowCommitted, SettleIdReused, LeaseRequestIdReused];

/**
 * Runs `change` on the budget's account under the budget's lock, after expiring the leases that
 * lapsed by `now`. Those expirations are committed even when the change refuses, so that once a
 * holder was told its lease expired, it stays expired.
 */
async function changeBudget<T>(db: DataSource, budgetId: string, now: Date, change: (m: EntityManager, account: BudgetAccount) => Promise<T>): Promise<T> {
  const outcome = await db.transaction(async (m): Promise<{ value: T } | { refusal: Error }> => {
    const locked = await lockAccount(m, budgetId, now);
    if (!locked) return { refusal: new UnknownBudget(budgetId) };
    try {
      return { value: await change(m, locked.account) };
    } catch (error) {
      if (REFUSALS.some((kind) => error instanceof kind)) return { refusal: error as Error };
      throw error;
    }
  });
  if ('refusal' in outcome) throw outcome.refusal;
  return outcome.value;
}

/**
 * Locks the budget row, loads its account and expires (in the account and in its rows) the leases
 * that lapsed by `now`; undefined when there is no such budget, or with `skipLocked` when another
 * transaction holds it. Two statements on purpose: under READ COMMITTED a statement that waited for
 * the lock still reads the other tables as of its start, so the open leases are read by a second
 * statement, after the lock is held, to see every lease the previous lock holder granted.
 */
async function lockAccount(m: EntityManager, budgetId: string, now: Date, options: { skipLocked?: boolean } = {}): Promise<{ account: BudgetAccount; expired: number } | undefined> {
  const [budget]: Array<{ cap: string; spent: string; sequence: string }> = await m.query(
    `SELECT cap_units::text AS cap, spent_units::text AS spent, lease_sequence::text AS sequence FROM billing.budgets WHERE budget_id = $1
     FOR UPDATE${options.skipLocked ? ' SKIP LOCKED' : ''}`,
    [budgetId],
  );
  if (!budget) return undefined;
  const leases: Array<{ lease_id: string; holder_id: string; remaining: string; expires_at: Date; ttl_seconds: number }> = await m.query(
    `SELECT lease_id, holder_id, remaining_units::text AS remaining, expires_at, ttl_seconds
     FROM billing.budget_leases WHERE budget_id = $1 AND closed_at IS NULL ORDER BY granted_at, lease_id`,
    [budgetId],
  );
  const account = BudgetAccount.restore(budgetId, {
    total: BigInt(budget.cap),
    spent: BigInt(budget.spent),
    leaseSequence: Number(budget.sequence),
    openLeases: leases.map((l) => ({ leaseId: l.lease_id, holderId: l.holder_id, granted: BigInt(l.remaining), expiresAt: l.expires_at, ttlSeconds: l.ttl_seconds })),
  });
  const expired = account.expireLeases(now);
  if (expired.length > 0) {
    await m.query(
      `UPDATE billing.budget_leases SET returned_units = returned_units + remaining_units, remaining_units = 0, closed_at = $2, closed_reason = 'expired'
       WHERE lease_id = ANY($1::text[]) AND closed_at IS NULL`,
      [expired.map((l) => l.leaseId), now],
    );
    for (const l of expired) {
      log.info('lease expired; its rest went back to the budget', { budgetId, leaseId: l.leaseId, holderId: l.holderId, returnedUnits: l.returned.toString(), expiresAt: l.expiresAt.toISOString() });
    }
  }
  return { account, expired: expired.length };
}

/** A lease never moves to another budget, so its budget can be read before the budget is locked. */
async function budgetOfLease(db: DataSource, leaseId: string): Promise<string> {
  const [owner]: Array<{ budget_id: string }> = await db.query(`SELECT budget_id FROM billing.budget_leases WHERE lease_id = $1`, [leaseId]);
  if (!owner) throw new UnknownLease(leaseId);
  return owner.budget_id;
}

/** Throws LeaseExpired when the lease lapsed, UnknownLease when its holder closed it; nothing when it is open. */
async function refuseClosedLease(m: EntityManager, account: BudgetAccount, leaseId: string): Promise<void> {
  if (account.openLease(leaseId)) return;
  const [row]: Array<{ closed_reason: string | null; expires_at: Date }> = await m.query(`SELECT closed_reason, expires_at FROM billing.budget_leases WHERE lease_id = $1`, [leaseId]);
  if (row?.closed_reason === 'expired') throw new LeaseExpired(leaseId, row.expires_at);
  throw new UnknownLease(leaseId);
}

/** One statement, so a consistent snapshot without a lock. */
async function snapshotBudget(db: DataSource, budgetId: string): Promise<BudgetView> {
  const [row]: Array<{
    cap: string;
    spent: string;
    leases: Array<{ lease_id: string; holder_id: string; granted: string; remaining: string; granted_at: string; expires_at: string }>;
  }> = await db.query(
    `SELECT b.cap_units::text AS cap, b.spent_units::text AS spent,
       coalesce((SELECT json_agg(json_build_object('lease_id', l.lease_id, 'holder_id', l.holder_id, 'granted', l.granted_units::text,
           'remaining', l.remaining_units::text, 'granted_at', l.granted_at, 'expires_at', l.expires_at) ORDER BY l.granted_at, l.lease_id)
         FROM billing.budget_leases l WHERE l.budget_id = b.budget_id AND l.closed_at IS NULL), '[]'::json) AS leases
     FROM billing.budgets b WHERE b.budget_id = $1`,
    [budgetId],
  );
  if (!row) throw new UnknownBudget(budgetId);
  const openLeases = row.leases.map((l) => ({
    leaseId: l.lease_id,
    holderId: l.holder_id,
    grantedUnits: BigInt(l.granted),
    remainingUnits: BigInt(l.remaining),
    grantedAt: new Date(l.granted_at),
    expiresAt: new Date(l.expires_at),
  }));
  const capUnits = BigInt(row.cap);
  const spentUnits = BigInt(row.spent);
  const outstandingUnits = openLeases.reduce((sum, l) => sum + l.remainingUnits, 0n);
  return { budgetId, capUnits, spentUnits, outstandingUnits, availableUnits: capUnits - spentUnits - outstandingUnits, openLeases };
}
