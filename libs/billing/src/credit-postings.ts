// Credits that operators post over the billing API: grants, purchases, refunds and corrections
// (adjustments), each idempotent on its business id. Each posting is one database transaction
// holding the tenant's credits lock, so what it checks against the ledger as it stands (a retry,
// the refund cap of a request, no overdraft by a correction) still holds when it posts, however
// many calls arrive at once. Credit expiries take the same lock (credit-expiry.ts).
//
// Never posts a transaction twice, and never takes a retry with other content for a retry: the
// same id with a different amount, account, reference or expiry is refused (PostingIdReused).
// Usage debits do not come through here: they are metered after the fact (usage-charger.ts) and
// may overdraw.
import type { DataSource, EntityManager } from 'typeorm';
import { lotExpiryKey, type LotKind } from './credit-lots';
import {
  Accounts,
  adjustment,
  grant,
  InsufficientCredits,
  ledgerTransactionId,
  purchase,
  refund,
  usageTransactionId,
  type CreditUnits,
  type EntryKind,
  type LedgerTransaction,
} from './ledger';
import { availableBalance, postTransactions } from './ledger-store';

/** The first key of the tenant credits lock (pg advisory locks take two int4 keys): "cred". */
const CREDITS_LOCK_CLASS = 0x63726564;

/**
 * Takes the tenant's credits lock until the end of the transaction `m` runs in. Two tenants whose
 * ids hash alike share a lock: they only wait for each other, which is harmless.
 */
export async function lockTenantCredits(m: EntityManager, tenantId: string): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [CREDITS_LOCK_CLASS, tenantId]);
}

/** A posting's id used again with a different body: a client bug, never posted. */
export class PostingIdReused extends Error {
  constructor(
    readonly kind: EntryKind,
    readonly tenantId: string,
    readonly key: string,
  ) {
    super(`${kind} ${key} of tenant ${tenantId} was already posted with a different body`);
    this.name = 'PostingIdReused';
  }
}

/** A refund of a request beyond what that request was charged (less what was refunded of it before). */
export class RefundExceedsCharge extends Error {
  constructor(
    readonly tenantId: string,
    readonly requestId: string,
    readonly chargedUnits: CreditUnits,
    readonly refundedUnits: CreditUnits,
    readonly requestedUnits: CreditUnits,
  ) {
    super(`request ${requestId} of tenant ${tenantId} was charged ${chargedUnits} units and ${refundedUnits} of them are refunded; cannot refund ${requestedUnits} more`);
    this.name = 'RefundExceedsCharge';
  }
}

/** An expiry that is not after the posting: the credits would expire before anyone could use them. */
export class ExpiryNotInFuture extends Error {
  constructor(
    readonly expiresAt: Date,
    readonly now: Date,
  ) {
    super(`expires_at ${expiresAt.toISOString()} is not after now (${now.toISOString()})`);
    this.name = 'ExpiryNotInFuture';
  }
}

export interface CreditPosting {
  transactionId: string;
  tenantId: string;
  /** What the posting moved into the tenant's available balance (negative for a correction down). */
  units: CreditUnits;
  /** When it took effect: the first call's time when this one was a retry. */
  effectiveAt: Date;
  /** When the credits expire (grants and purchases only); null when they never do. */
  expiresAt: Date | null;
  /** False when the transaction had been posted before: this call changed nothing. */
  posted: boolean;
}

interface Lot {
  kind: LotKind;
  sourceId: string;
  expiresAt: Date;
}

/** Free credits (trial, promotion, goodwill); with `expiresAt`, what is left of them then expires. */
export function postGrant(
  db: DataSource,
  p: { tenantId: string; amount: CreditUnits; grantId: string; reference?: string; expiresAt?: Date },
  now = new Date(),
): Promise<CreditPosting> {
  const tx = grant({ tenantId: p.tenantId, amount: p.amount, grantId: p.grantId, reference: p.reference, effectiveAt: now });
  return post(db, tx, { key: p.grantId, now, lot: p.expiresAt && { kind: 'grant', sourceId: p.grantId, expiresAt: p.expiresAt } });
}

/** Credits bought, keyed by the payment reference; with `expiresAt`, what is left of them then expires. */
export function postPurchase(db: DataSource, p: { tenantId: string; amount: CreditUnits; paymentReference: string; expiresAt?: Date }, now = new Date()): Promise<CreditPosting> {
  const tx = purchase({ tenantId: p.tenantId, amount: p.amount, paymentReference: p.paymentReference, effectiveAt: now });
  return post(db, tx, { key: p.paymentReference, now, lot: p.expiresAt && { kind: 'purchase', sourceId: p.paymentReference, expiresAt: p.expiresAt } });
}

/**
 * Credits given back, keyed by `refundId`. With `requestId`, a refund of that request: all its
 * refunds together never exceed what it was charged (its usage debit), so it may be refunded in
 * parts but never twice over; a request not charged to the tenant cannot be refunded.
 */
export function postRefund(db: DataSource, p: { tenantId: string; amount: CreditUnits; refundId: string; requestId?: string }, now = new Date()): Promise<CreditPosting> {
  const tx = refund({ tenantId: p.tenantId, amount: p.amount, refundId: p.refundId, requestId: p.requestId, reference: p.refundId, effectiveAt: now });
  const requestId = p.requestId;
  const check =
    requestId === undefined
      ? undefined
      : async (m: EntityManager) => {
          const [{ charged, refunded }]: Array<{ charged: string; refunded: string }> = await m.query(
            `SELECT
               (SELECT coalesce(-sum(amount), 0)::text FROM billing.ledger_entries WHERE transaction_id = $1 AND account = $2) AS charged,
               (SELECT coalesce(sum(amount), 0)::text FROM billing.ledger_entries WHERE tenant_id = $3 AND request_id = $4 AND kind = 'refund' AND account = $2) AS refunded`,
            [usageTransactionId(p.tenantId, requestId), Accounts.available(p.tenantId), p.tenantId, requestId],
          );
          if (BigInt(refunded) + p.amount > BigInt(charged)) throw new RefundExceedsCharge(p.tenantId, requestId, BigInt(charged), BigInt(refunded), p.amount);
        };
  return post(db, tx, { key: p.refundId, now, check });
}

/**
 * A manual correction, up (positive) or down (negative), with its reason. A correction down never
 * takes the available balance below zero: only usage may overdraw.
 */
export function postAdjustment(db: DataSource, p: { tenantId: string; amount: CreditUnits; adjustmentId: string; reason: string }, now = new Date()): Promise<CreditPosting> {
  const tx = adjustment({ tenantId: p.tenantId, amount: p.amount, adjustmentId: p.adjustmentId, reason: p.reason, effectiveAt: now });
  const check =
    p.amount >= 0n
      ? undefined
      : async (m: EntityManager) => {
          const balance = await availableBalance(m, p.tenantId);
          if (balance + p.amount < 0n) throw new InsufficientCredits(p.tenantId, balance, -p.amount);
        };
  return post(db, tx, { key: p.adjustmentId, now, check });
}

interface StoredEntry {
  entry_id: string;
  account: string;
  amount: string;
  kind: string;
  request_id: string | null;
  reference: string | null;
  effective_at: Date;
  expires_at: Date | null;
}

async function post(db: DataSource, tx: LedgerTransaction, o: { key: string; now: Date; lot?: Lot; check?: (m: EntityManager) => Promise<void> }): Promise<CreditPosting> {
  const available = Accounts.available(tx.tenantId);
  const units = tx.entries.filter((e) => e.account === available).reduce((s, e) => s + e.amount, 0n);
  return db.transaction(async (m) => {
    await lockTenantCredits(m, tx.tenantId);
    const stored: StoredEntry[] = await m.query(
      `SELECT e.entry_id, e.account, e.amount::text AS amount, e.kind, e.request_id, e.reference, e.effective_at, l.expires_at
       FROM billing.ledger_entries e LEFT JOIN billing.credit_lots l ON l.transaction_id = e.transaction_id
       WHERE e.transaction_id = $1 ORDER BY e.entry_id`,
      [tx.transactionId],
    );
    if (stored.length > 0) {
      const sameExpiry = (stored[0].expires_at?.getTime() ?? null) === (o.lot?.expiresAt.getTime() ?? null);
      if (!sameExpiry || fingerprint(stored) !== fingerprint(tx.entries.map(storedShape))) throw new PostingIdReused(tx.kind, tx.tenantId, o.key);
      return { transactionId: tx.transactionId, tenantId: tx.tenantId, units, effectiveAt: stored[0].effective_at, expiresAt: stored[0].expires_at, posted: false };
    }
    if (o.lot && o.lot.expiresAt.getTime() <= o.now.getTime()) throw new ExpiryNotInFuture(o.lot.expiresAt, o.now);
    await o.check?.(m);
    await postTransactions(m, [tx]);
    if (o.lot) {
      await m.query(
        `INSERT INTO billing.credit_lots (transaction_id, tenant_id, kind, source_id, units, granted_at, expires_at, expiry_transaction_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          tx.transactionId,
          tx.tenantId,
          o.lot.kind,
          o.lot.sourceId,
          units.toString(),
          tx.effectiveAt.toISOString(),
          o.lot.expiresAt.toISOString(),
          ledgerTransactionId('expiry', tx.tenantId, lotExpiryKey(o.lot.kind, o.lot.sourceId)),
        ],
      );
    }
    return { transactionId: tx.transactionId, tenantId: tx.tenantId, units, effectiveAt: tx.effectiveAt, expiresAt: o.lot?.expiresAt ?? null, posted: true };
  });
}

function storedShape(e: LedgerTransaction['entries'][number]): Omit<StoredEntry, 'effective_at' | 'expires_at'> {
  return { entry_id: e.entryId, account: e.account, amount: e.amount.toString(), kind: e.kind, request_id: e.requestId ?? null, reference: e.reference ?? null };
}

/** What makes two postings of one transaction id the same posting: everything but the time. */
function fingerprint(entries: ReadonlyArray<Omit<StoredEntry, 'effective_at' | 'expires_at'>>): string {
  return JSON.stringify([...entries].sort((a, b) => (a.entry_id < b.entry_id ? -1 : 1)).map((e) => [e.entry_id, e.account, e.amount, e.kind, e.request_id, e.reference]));
}
