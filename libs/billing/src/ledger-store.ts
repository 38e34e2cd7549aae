// Persists ledger transactions. Entry ids are deterministic, so posting the same transaction
// twice inserts nothing the second time; every newly inserted entry also goes into the outbox in
// the same statement, so the finance topic gets each entry exactly when it is committed.
import { Topics } from '@assay/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { Accounts, ledgerEntryToJson, validateTransaction, type LedgerTransaction } from './ledger';

/**
 * Common table expressions that post ledger rows (the JSON array `input` evaluates to, $1 by
 * default): insert the entries that are new (ledger_ins) and queue exactly those in the outbox.
 * Shared by every statement that writes the ledger, so all of them keep the same guarantees.
 * Without `outbox` (a wiring with no finance topic, see docs/adr/0010) the entries are only posted.
 */
export function ledgerPostCtes(input = '$1::jsonb', outbox = true): string {
  const posted = `
ledger_input AS (
  SELECT DISTINCT ON (entry_id) * FROM jsonb_to_recordset(${input}) AS x(entry_id uuid, transaction_id uuid, account text, amount numeric,
    kind text, tenant_id text, request_id text, reference text, effective_at timestamptz, payload text)
),
ledger_ins AS (
  INSERT INTO billing.ledger_entries (entry_id, transaction_id, account, amount, kind, tenant_id, request_id, reference, effective_at)
  SELECT entry_id, transaction_id, account, amount, kind, tenant_id, request_id, reference, effective_at FROM ledger_input
  ON CONFLICT (entry_id) DO NOTHING
  RETURNING entry_id, tenant_id
)`;
  if (!outbox) return posted;
  return `${posted},
outboxed AS (
  INSERT INTO billing.outbox (event_id, topic, key, payload)
  SELECT ledger_ins.entry_id, '${Topics.ledgerEntry}', ledger_ins.tenant_id, convert_to(ledger_input.payload, 'UTF8')
  FROM ledger_ins JOIN ledger_input USING (entry_id) ORDER BY ledger_ins.entry_id
  RETURNING 1
)`;
}

/** ledgerPostCtes() over $1. */
export const LEDGER_POST_CTES = ledgerPostCtes();

const POST_SQL = `WITH ${LEDGER_POST_CTES}
SELECT count(*)::int AS inserted FROM ledger_ins`;

/** The rows the ledger statements take: validated entries, each with its finance-topic JSON unless `withPayload` is false. */
export function ledgerRows(transactions: readonly LedgerTransaction[], withPayload = true) {
  return transactions.flatMap((t) => {
    validateTransaction(t);
    return t.entries.map((e) => ({
      entry_id: e.entryId,
      transaction_id: e.transactionId,
      account: e.account,
      amount: e.amount.toString(),
      kind: e.kind,
      tenant_id: e.tenantId,
      request_id: e.requestId ?? null,
      reference: e.reference ?? null,
      effective_at: e.effectiveAt.toISOString(),
      payload: withPayload ? JSON.stringify({ schema: 'assay.ledger.entry.v1', type: 'ledger_entry', ...ledgerEntryToJson(e) }) : null,
    }));
  });
}

/** Posts validated transactions; returns how many entries were new. */
export async function postTransactions(db: DataSource | EntityManager, transactions: readonly LedgerTransaction[]): Promise<number> {
  const rows = ledgerRows(transactions);
  if (rows.length === 0) return 0;
  const [{ inserted }] = await db.query(POST_SQL, [JSON.stringify(rows)]);
  return inserted;
}

/** Balances derived from the entries (never stored on their own), in credit micro-units. */
export async function tenantBalances(db: DataSource, tenantId: string): Promise<Record<string, bigint>> {
  const rows: Array<{ account: string; balance: string }> = await db.query(
    `SELECT account, sum(amount)::text AS balance FROM billing.ledger_entries WHERE tenant_id = $1 GROUP BY account ORDER BY account`,
    [tenantId],
  );
  return Object.fromEntries(rows.map((r) => [r.account, BigInt(r.balance)]));
}

/** A tenant's available balance (what it can spend), derived from the entries, in credit micro-units. */
export async function availableBalance(db: DataSource | EntityManager, tenantId: string): Promise<bigint> {
  const [{ balance }]: Array<{ balance: string }> = await db.query(
    `SELECT coalesce(sum(amount), 0)::text AS balance FROM billing.ledger_entries WHERE account = $1`,
    [Accounts.available(tenantId)],
  );
  return BigInt(balance);
}
