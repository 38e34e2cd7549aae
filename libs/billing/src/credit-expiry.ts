// Posts the expiry of credit lots that are due (credit-lots.ts says how much expires). For each
// tenant with a due lot, one database transaction under the tenant's credits lock reads all its
// lots and the rest of its available account, works out the expiries, posts those above zero as
// `expiry` transactions (so they reach the finance topic through the outbox like every entry) and
// records each lot's expiry, zero included, so a used-up lot is not looked at again.
//
// Idempotent and safe to run anywhere at once (every billing process runs the sweep, operators the
// CLI): runs take turns per tenant, a lot whose expiry is recorded is never worked out again, and
// an expiry's transaction id derives from its lot, so even a stray repeat could not post twice.
import type { DataSource, EntityManager } from 'typeorm';
import { lotExpiries, lotExpiryKey, type BalanceMovement, type CreditLot, type LotKind } from './credit-lots';
import { lockTenantCredits } from './credit-postings';
import { Accounts, expiry, type CreditUnits, type LedgerTransaction } from './ledger';
import { availableBalance, postTransactions } from './ledger-store';

/** Why 100: one round of the due-tenant lookup stays small; each tenant is its own short transaction. */
const TENANT_BATCH = 100;

export interface ExpiredCredits {
  /** Lots whose expiry was worked out (including those that had nothing left). */
  lots: number;
  /** Expiry transactions posted. */
  transactions: number;
  /** Credit micro-units that left tenants' balances. */
  units: CreditUnits;
}

/** Expires every lot due at `now` (expires_at ≤ now) whose expiry is not yet recorded. */
export async function expireCredits(db: DataSource, now: Date): Promise<ExpiredCredits> {
  const total: ExpiredCredits = { lots: 0, transactions: 0, units: 0n };
  let after = '';
  for (;;) {
    const tenants: Array<{ tenant_id: string }> = await db.query(
      `SELECT DISTINCT tenant_id FROM billing.credit_lots WHERE expired_units IS NULL AND expires_at <= $1 AND tenant_id > $2 ORDER BY tenant_id LIMIT ${TENANT_BATCH}`,
      [now.toISOString(), after],
    );
    for (const { tenant_id } of tenants) {
      const one = await db.transaction((m) => expireTenantCredits(m, tenant_id, now));
      total.lots += one.lots;
      total.transactions += one.transactions;
      total.units += one.units;
    }
    if (tenants.length < TENANT_BATCH) return total;
    after = tenants[tenants.length - 1].tenant_id;
  }
}

interface LotRow {
  transaction_id: string;
  kind: LotKind;
  source_id: string;
  units: string;
  granted_at: Date;
  expires_at: Date;
  expired_units: string | null;
  expiry_transaction_id: string;
}

/**
 * The tenant's available account apart from its lots and their expiries, summed between
 * consecutive lot events (grants and expiries: width_bucket over their sorted times), each sum
 * dated by its first entry. Up to `$3`, the last due expiry: what comes later cannot change it.
 */
const MOVEMENTS_SQL = `
WITH lots AS (
  SELECT transaction_id, expiry_transaction_id, granted_at, expires_at FROM billing.credit_lots WHERE tenant_id = $1
),
bounds AS (
  SELECT array_agg(t ORDER BY t) AS b FROM (SELECT granted_at AS t FROM lots UNION SELECT expires_at FROM lots) x
)
SELECT min(e.effective_at) AS at, sum(greatest(-e.amount, 0))::text AS spent, sum(greatest(e.amount, 0))::text AS credited
FROM billing.ledger_entries e CROSS JOIN bounds
WHERE e.tenant_id = $1 AND e.account = $2 AND e.effective_at < $3
  AND e.transaction_id NOT IN (SELECT transaction_id FROM lots UNION ALL SELECT expiry_transaction_id FROM lots)
GROUP BY width_bucket(e.effective_at, bounds.b)`;

async function expireTenantCredits(m: EntityManager, tenantId: string, now: Date): Promise<ExpiredCredits> {
  await lockTenantCredits(m, tenantId);
  const rows: LotRow[] = await m.query(
    `SELECT transaction_id, kind, source_id, units::text AS units, granted_at, expires_at, expired_units::text AS expired_units, expiry_transaction_id
     FROM billing.credit_lots WHERE tenant_id = $1`,
    [tenantId],
  );
  const byId = new Map(rows.map((r) => [r.transaction_id, r]));
  const lots: CreditLot[] = rows.map((r) => ({
    lotId: r.transaction_id,
    units: BigInt(r.units),
    grantedAt: r.granted_at,
    expiresAt: r.expires_at,
    expiredUnits: r.expired_units === null ? null : BigInt(r.expired_units),
  }));
  const due = lots.filter((l) => l.expiredUnits === null && l.expiresAt.getTime() <= now.getTime());
  // Another run took its turn first and recorded them.
  if (due.length === 0) return { lots: 0, transactions: 0, units: 0n };

  const horizon = new Date(Math.max(...due.map((l) => l.expiresAt.getTime())));
  const sums: Array<{ at: Date; spent: string; credited: string }> = await m.query(MOVEMENTS_SQL, [tenantId, Accounts.available(tenantId), horizon.toISOString()]);
  const movements: BalanceMovement[] = sums.map((s) => ({ at: s.at, spent: BigInt(s.spent), credited: BigInt(s.credited) }));
  const expiries = lotExpiries({ lots, movements, balance: await availableBalance(m, tenantId), now });

  const transactions: LedgerTransaction[] = [];
  for (const e of expiries) {
    if (e.units === 0n) continue;
    const lot = byId.get(e.lotId)!;
    // Dated at the lot's expiry, not at this run: the daily close books it on the day it expired.
    const tx = expiry({ tenantId, amount: e.units, expiryId: lotExpiryKey(lot.kind, lot.source_id), effectiveAt: lot.expires_at });
    if (tx.transactionId !== lot.expiry_transaction_id) throw new Error(`lot ${lot.transaction_id}: its expiry transaction id does not derive from it`);
    transactions.push(tx);
  }
  await postTransactions(m, transactions);
  await m.query(
    `UPDATE billing.credit_lots l SET expired_units = x.units, expiry_recorded_at = now()
     FROM jsonb_to_recordset($1::jsonb) AS x(lot_id uuid, units numeric)
     WHERE l.transaction_id = x.lot_id AND l.expired_units IS NULL`,
    [JSON.stringify(expiries.map((e) => ({ lot_id: e.lotId, units: e.units.toString() })))],
  );
  return { lots: expiries.length, transactions: transactions.length, units: expiries.reduce((s, e) => s + e.units, 0n) };
}
