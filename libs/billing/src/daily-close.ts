// The daily close: per tenant and UTC day, the movements of its credit balance by kind and the
// balance at the end of the day, put on the finance topic next to the ledger entries. Its event
// id derives from tenant and day, so closing a day again publishes nothing new.
import { Topics } from '@assay/contracts';
import type { DataSource } from 'typeorm';
import { LEDGER_NAMESPACE, uuidV5 } from './deterministic-id';

export interface DailyClose {
  schema: 'assay.ledger.daily-close.v1';
  type: 'daily_close';
  tenantId: string;
  /** YYYY-MM-DD, UTC. */
  date: string;
  /** Signed credit micro-units by entry kind, on the tenant's available account, that day. */
  movements: Record<string, string>;
  /** The available balance at the end of the day (credit micro-units). */
  closingBalance: string;
  requestsCharged: number;
}

/**
 * The closes of `date` (YYYY-MM-DD, UTC) as the finance topic gets them, for every tenant with
 * ledger entries or only for `tenantId`. Reads only; closeDay() queues them.
 */
export async function dailyCloses(db: DataSource, date: string, tenantId?: string): Promise<DailyClose[]> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`close-day: expected YYYY-MM-DD, got ${date}`);
  const rows: Array<{ tenant_id: string; kind: string | null; day_sum: string | null; requests: number; closing: string }> = await db.query(
    `WITH bounds AS (SELECT $1::date::timestamptz AT TIME ZONE 'UTC' AS start_at)
     SELECT t.tenant_id, d.kind, d.day_sum, coalesce(r.requests, 0)::int AS requests, coalesce(c.closing, 0)::text AS closing
     FROM (SELECT DISTINCT tenant_id FROM billing.ledger_entries WHERE $2::text IS NULL OR tenant_id = $2) t
     CROSS JOIN bounds b
     LEFT JOIN LATERAL (
       SELECT kind, sum(amount)::text AS day_sum FROM billing.ledger_entries e
       WHERE e.tenant_id = t.tenant_id AND e.account = 'tenant:' || t.tenant_id || ':available'
         AND e.effective_at >= b.start_at AND e.effective_at < b.start_at + interval '1 day'
       GROUP BY kind) d ON true
     LEFT JOIN LATERAL (
       SELECT count(DISTINCT request_id) AS requests FROM billing.ledger_entries e
       WHERE e.tenant_id = t.tenant_id AND e.kind = 'usage' AND e.effective_at >= b.start_at AND e.effective_at < b.start_at + interval '1 day') r ON true
     LEFT JOIN LATERAL (
       SELECT sum(amount) AS closing FROM billing.ledger_entries e
       WHERE e.tenant_id = t.tenant_id AND e.account = 'tenant:' || t.tenant_id || ':available' AND e.effective_at < b.start_at + interval '1 day') c ON true`,
    [date, tenantId ?? null],
  );
  const closes = new Map<string, DailyClose>();
  for (const r of rows) {
    const close = closes.get(r.tenant_id) ?? {
      schema: 'assay.ledger.daily-close.v1' as const,
      type: 'daily_close' as const,
      tenantId: r.tenant_id,
      date,
      movements: {},
      closingBalance: r.closing,
      requestsCharged: r.requests,
    };
    if (r.kind && r.day_sum) close.movements[r.kind] = r.day_sum;
    closes.set(r.tenant_id, close);
  }
  return [...closes.values()];
}

/** Writes the close of `date` for every tenant with ledger entries into the outbox; returns how many were new. */
export async function closeDay(db: DataSource, date: string): Promise<number> {
  const closes = await dailyCloses(db, date);
  const outbox = closes.map((c) => ({ event_id: uuidV5(LEDGER_NAMESPACE, `daily-close:${c.tenantId}:${date}`), key: c.tenantId, payload: JSON.stringify(c) }));
  if (outbox.length === 0) return 0;
  const [{ inserted }] = await db.query(
    `WITH ins AS (
       INSERT INTO billing.outbox (event_id, topic, key, payload)
       SELECT event_id, '${Topics.ledgerEntry}', key, convert_to(payload, 'UTF8') FROM jsonb_to_recordset($1::jsonb) AS x(event_id uuid, key text, payload text)
       ON CONFLICT (event_id) DO NOTHING RETURNING 1)
     SELECT count(*)::int AS inserted FROM ins`,
    [JSON.stringify(outbox)],
  );
  return inserted;
}
