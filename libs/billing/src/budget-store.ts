// Budgets and their leases in PostgreSQL: billing is the authority that ingress replicas lease
// from. Every change runs the pure BudgetAccount of budget-lease.ts inside one transaction that
// holds the budget row FOR UPDATE: load the account, apply the change, write it back. Requests
// from many replicas for one budget therefore apply one after another, and the account's rule
// (never grant beyond cap − spent − outstanding) holds across all of them. Never applies a
// settlement twice: each carries the holder's settle id, and a repeat returns the first result.
import type { DataSource, EntityManager } from 'typeorm';
import { BudgetAccount, BudgetExhausted, UnknownLease, type Lease } from './budget-lease';
import type { CreditUnits } from './ledger';

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

export interface BudgetLeaseView {
  leaseId: string;
  holderId: string;
  grantedUnits: CreditUnits;
  /** Granted and not yet settled. */
  remainingUnits: CreditUnits;
  grantedAt: Date;
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
  /** True when this settle id had been applied before and nothing changed now. */
  replayed: boolean;
}

/** Creates the budget or changes its cap; a cap below what is spent and leased is refused (BudgetBelowCommitted). */
export async function setBudgetCap(db: DataSource, budgetId: string, capUnits: CreditUnits): Promise<{ budget: BudgetView; created: boolean }> {
  if (capUnits < 0n) throw new RangeError('a budget cap cannot be negative');
  const created = await db.transaction(async (m) => {
    const inserted: unknown[] = await m.query(
      `INSERT INTO billing.budgets (budget_id, cap_units) VALUES ($1, $2) ON CONFLICT (budget_id) DO NOTHING RETURNING 1`,
      [budgetId, capUnits.toString()],
    );
    const account = (await lockAccount(m, budgetId))!;
    account.adjustTotal(capUnits - account.total);
    await m.query(`UPDATE billing.budgets SET cap_units = $2, updated_at = now() WHERE budget_id = $1`, [budgetId, capUnits.toString()]);
    return inserted.length > 0;
  });
  return { budget: await readBudget(db, budgetId), created };
}

/** The budget as it is now (no lock: a consistent snapshot of one statement). */
export async function readBudget(db: DataSource, budgetId: string): Promise<BudgetView> {
  const [row]: Array<{ cap: string; spent: string; leases: Array<{ lease_id: string; holder_id: string; granted: string; remaining: string; granted_at: string }> }> = await db.query(
    `SELECT b.cap_units::text AS cap, b.spent_units::text AS spent,
       coalesce((SELECT json_agg(json_build_object('lease_id', l.lease_id, 'holder_id', l.holder_id, 'granted', l.granted_units::text,
           'remaining', l.remaining_units::text, 'granted_at', l.granted_at) ORDER BY l.granted_at, l.lease_id)
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
  }));
  const capUnits = BigInt(row.cap);
  const spentUnits = BigInt(row.spent);
  const outstandingUnits = openLeases.reduce((sum, l) => sum + l.remainingUnits, 0n);
  return { budgetId, capUnits, spentUnits, outstandingUnits, availableUnits: capUnits - spentUnits - outstandingUnits, openLeases };
}

/**
 * Leases a slice of the budget to a holder, sized by BudgetAccount.grantLease (at most what was
 * asked, shrinking as the budget runs low). Throws BudgetExhausted when nothing is left.
 */
export async function leaseFromBudget(db: DataSource, budgetId: string, holderId: string, requestedUnits: CreditUnits): Promise<Lease> {
  return db.transaction(async (m) => {
    const account = await lockAccount(m, budgetId);
    if (!account) throw new UnknownBudget(budgetId);
    const lease = account.grantLease(holderId, requestedUnits);
    if (!lease) throw new BudgetExhausted(budgetId);
    await m.query(
      `WITH lease AS (
         INSERT INTO billing.budget_leases (lease_id, budget_id, holder_id, granted_units, remaining_units) VALUES ($1, $2, $3, $4, $4)
       )
       UPDATE billing.budgets SET lease_sequence = $5, updated_at = now() WHERE budget_id = $2`,
      [lease.leaseId, budgetId, holderId, lease.granted.toString(), account.state().leaseSequence],
    );
    return lease;
  });
}

/**
 * Records what a holder spent from a lease since its last settlement and, with `close`, gives the
 * unspent rest back to the budget. Idempotent per (leaseId, settleId). Throws UnknownLease for a
 * lease that does not exist or is closed, LeaseOverdrawn when spentUnits exceeds what the lease
 * still holds.
 */
export async function settleLease(db: DataSource, settlement: LeaseSettlement): Promise<SettlementResult> {
  const { leaseId, settleId, spentUnits, close } = settlement;
  return db.transaction(async (m) => {
    // A lease never moves to another budget, so reading its budget before the lock is safe.
    const [owner]: Array<{ budget_id: string }> = await m.query(`SELECT budget_id FROM billing.budget_leases WHERE lease_id = $1`, [leaseId]);
    if (!owner) throw new UnknownLease(leaseId);
    const account = (await lockAccount(m, owner.budget_id))!;
    // Checked under the lock, so two deliveries of one settlement cannot both apply.
    const [previous]: Array<{ spent: string; close: boolean; remaining: string; returned: string }> = await m.query(
      `SELECT spent_units::text AS spent, close, remaining_units::text AS remaining, returned_units::text AS returned
       FROM billing.lease_settlements WHERE lease_id = $1 AND settle_id = $2`,
      [leaseId, settleId],
    );
    if (previous) {
      if (BigInt(previous.spent) !== spentUnits || previous.close !== close) throw new SettleIdReused(leaseId, settleId);
      return { ...settlement, remainingUnits: BigInt(previous.remaining), returnedUnits: BigInt(previous.returned), closed: previous.close, replayed: true };
    }
    account.settle(leaseId, spentUnits);
    const returnedUnits = close ? account.openLease(leaseId)!.granted : 0n;
    if (close) account.returnLease(leaseId, returnedUnits);
    const remainingUnits = close ? 0n : account.openLease(leaseId)!.granted;
    await m.query(
      `WITH settlement AS (
         INSERT INTO billing.lease_settlements (lease_id, settle_id, spent_units, close, returned_units, remaining_units) VALUES ($1, $2, $3, $4, $5, $6)
       ),
       lease AS (
         UPDATE billing.budget_leases SET remaining_units = $6, returned_units = returned_units + $5, closed_at = CASE WHEN $4 THEN now() END
         WHERE lease_id = $1
       )
       UPDATE billing.budgets SET spent_units = $8, updated_at = now() WHERE budget_id = $7`,
      [leaseId, settleId, spentUnits.toString(), close, returnedUnits.toString(), remainingUnits.toString(), owner.budget_id, account.spent.toString()],
    );
    return { ...settlement, remainingUnits, returnedUnits, closed: close, replayed: false };
  });
}

/**
 * Locks the budget row and loads its account, or undefined when there is no such budget. Two
 * statements on purpose: under READ COMMITTED a statement that waited for the lock still reads
 * the other tables as of its start, so the open leases are read by a second statement, after
 * the lock is held, to see every lease the previous lock holder granted.
 */
async function lockAccount(m: EntityManager, budgetId: string): Promise<BudgetAccount | undefined> {
  const [budget]: Array<{ cap: string; spent: string; sequence: string }> = await m.query(
    `SELECT cap_units::text AS cap, spent_units::text AS spent, lease_sequence::text AS sequence FROM billing.budgets WHERE budget_id = $1 FOR UPDATE`,
    [budgetId],
  );
  if (!budget) return undefined;
  const leases: Array<{ lease_id: string; holder_id: string; remaining: string }> = await m.query(
    `SELECT lease_id, holder_id, remaining_units::text AS remaining FROM billing.budget_leases WHERE budget_id = $1 AND closed_at IS NULL ORDER BY granted_at, lease_id`,
    [budgetId],
  );
  return BudgetAccount.restore(budgetId, {
    total: BigInt(budget.cap),
    spent: BigInt(budget.spent),
    leaseSequence: Number(budget.sequence),
    openLeases: leases.map((l) => ({ leaseId: l.lease_id, holderId: l.holder_id, granted: BigInt(l.remaining) })),
  });
}
