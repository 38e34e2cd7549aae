// The ledger's invariant, checked from the stored entries: every transaction sums to zero and
// touches one tenant. Balances are derived from entries, so nothing else can drift.
import type { DataSource } from 'typeorm';

export interface UnbalancedTransaction {
  transactionId: string;
  sum: string;
  tenants: number;
}

export async function reconcileLedger(db: DataSource): Promise<UnbalancedTransaction[]> {
  const rows: Array<{ transaction_id: string; sum: string; tenants: number }> = await db.query(
    `SELECT transaction_id, sum(amount)::text AS sum, count(DISTINCT tenant_id)::int AS tenants
     FROM billing.ledger_entries GROUP BY transaction_id HAVING sum(amount) <> 0 OR count(DISTINCT tenant_id) <> 1`,
  );
  return rows.map((r) => ({ transactionId: r.transaction_id, sum: r.sum, tenants: r.tenants }));
}
