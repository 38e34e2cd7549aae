// Charges customer requests in credits and keeps each request's revenue and cost side by side.
// A RequestCompleted that succeeded becomes one usage debit, whatever the number of attempts
// behind it (its transaction id derives from the request id, so a redelivery debits nothing);
// every ProviderAttempt adds its cost to the request's COGS, once per attempt event. One
// database transaction per batch of events.
import { ProviderAttempt, RequestCompleted, Topics } from '@assay/contracts';
import type { BusEvent } from '@assay/messaging';
import type { UsagePricer } from '@assay/metering';
import type { DataSource, EntityManager } from 'typeorm';
import { usageDebit, type LedgerTransaction } from './ledger';
import { postTransactions } from './ledger-store';
import { creditsFor, type PlanSchedule } from './pricing-plan';

interface ChargeRow {
  request_id: string;
  tenant_id: string;
  started_at: string;
  prompt_type: string;
  model: string;
  end_user: string;
  tags: Record<string, string>;
  plan_id: string | null;
  credits: string;
  revenue_pico: string;
}

interface CostRow {
  event_id: string;
  request_id: string;
  tenant_id: string;
  started_at: string;
  cost_pico: string;
}

export class UsageCharger {
  constructor(
    private readonly db: DataSource,
    private readonly plans: PlanSchedule,
    private readonly pricer: UsagePricer,
    /** USD value of one credit micro-unit in picodollars, to express revenue in money. */
    private readonly picoPerCreditUnit: bigint,
  ) {}

  readonly chargeBatch = async (events: BusEvent[]): Promise<void> => {
    const charges: ChargeRow[] = [];
    const debits: LedgerTransaction[] = [];
    const costs: CostRow[] = [];
    // A batch may hold the same event twice (redelivery): each statement must see it once.
    const unique = [...new Map(events.map((e) => [e.id, e])).values()];
    for (const event of unique) {
      if (event.topic === Topics.requestCompleted) this.charge(RequestCompleted.decode(event.value), charges, debits);
      else if (event.topic === Topics.providerAttempt) this.cost(ProviderAttempt.decode(event.value), costs);
    }
    if (charges.length === 0 && costs.length === 0) return;
    await this.db.transaction(async (tx) => {
      if (debits.length > 0) await postTransactions(tx, debits);
      if (charges.length > 0) await recordCharges(tx, charges);
      if (costs.length > 0) await recordCosts(tx, costs);
    });
  };

  private charge(e: RequestCompleted, charges: ChargeRow[], debits: LedgerTransaction[]): void {
    const tenantId = e.context?.tenantId;
    const requestId = e.context?.requestId;
    if (!tenantId || !requestId || e.status !== 'ok') return; // failed requests are not charged
    // Two events for one request (a producer retry) must still make one charge.
    if (charges.some((c) => c.request_id === requestId)) return;
    const at = new Date(e.startedAtMs);
    const usage = e.usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0, cachedTokens: 0, reasoningTokens: 0 };
    // The router reports what the served answer cost; re-price only when it could not.
    const costPico = e.servedCostPico ? BigInt(e.servedCostPico) : this.pricer.price({ provider: e.provider, upstreamModel: e.servedModel, model: e.servedModel, at, ...usage }).costPico;
    const plan = this.plans.planAt(tenantId, at);
    const credits = plan ? creditsFor({ promptType: e.context?.promptType || undefined, usage, costPico }, plan) : 0n;
    if (credits > 0n) debits.push(usageDebit({ tenantId, requestId, amount: credits, effectiveAt: at }));
    charges.push({
      request_id: requestId,
      tenant_id: tenantId,
      started_at: at.toISOString(),
      prompt_type: e.context?.promptType ?? '',
      model: e.servedModel,
      end_user: e.context?.endUser ?? '',
      tags: e.context?.tags ?? {},
      plan_id: plan?.id ?? null,
      credits: credits.toString(),
      revenue_pico: (credits * this.picoPerCreditUnit).toString(),
    });
  }

  private cost(e: ProviderAttempt, costs: CostRow[]): void {
    const tenantId = e.context?.tenantId;
    const requestId = e.context?.requestId;
    if (!tenantId || !requestId) return;
    const at = new Date(e.startedAtMs);
    const usage = e.usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0, cachedTokens: 0, reasoningTokens: 0 };
    const price = this.pricer.price({ provider: e.provider, upstreamModel: e.upstreamModel, model: e.model, at, ...usage });
    costs.push({ event_id: e.eventId, request_id: requestId, tenant_id: tenantId, started_at: at.toISOString(), cost_pico: price.costPico.toString() });
  }
}

/** The charge side of each request; a redelivered RequestCompleted changes nothing. */
async function recordCharges(tx: EntityManager, rows: ChargeRow[]): Promise<void> {
  await tx.query(
    `INSERT INTO billing.request_charges AS c (request_id, tenant_id, started_at, prompt_type, model, end_user, tags, plan_id, credits, revenue_pico)
     SELECT request_id, tenant_id, started_at, prompt_type, model, end_user, tags, plan_id, credits, revenue_pico
     FROM jsonb_to_recordset($1::jsonb) AS x(request_id text, tenant_id text, started_at timestamptz, prompt_type text, model text,
       end_user text, tags jsonb, plan_id text, credits numeric, revenue_pico numeric)
     ORDER BY request_id
     ON CONFLICT (request_id) DO UPDATE SET
       prompt_type = excluded.prompt_type, model = excluded.model, end_user = excluded.end_user, tags = excluded.tags,
       plan_id = excluded.plan_id, credits = excluded.credits, revenue_pico = excluded.revenue_pico, started_at = excluded.started_at
     WHERE c.plan_id IS NULL`,
    [JSON.stringify(rows)],
  );
}

/** Adds each attempt's cost to its request once: the attempt's event id is remembered. */
async function recordCosts(tx: EntityManager, rows: CostRow[]): Promise<void> {
  await tx.query(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(event_id uuid, request_id text, tenant_id text, started_at timestamptz, cost_pico numeric)
     ),
     fresh AS (
       INSERT INTO billing.costed_attempts (event_id) SELECT event_id FROM input ON CONFLICT DO NOTHING RETURNING event_id
     )
     INSERT INTO billing.request_charges AS c (request_id, tenant_id, started_at, cogs_pico, attempts_costed)
     SELECT request_id, min(tenant_id), min(started_at), sum(cost_pico), count(*)
     FROM input JOIN fresh USING (event_id) GROUP BY request_id ORDER BY request_id
     ON CONFLICT (request_id) DO UPDATE SET cogs_pico = c.cogs_pico + excluded.cogs_pico, attempts_costed = c.attempts_costed + excluded.attempts_costed`,
    [JSON.stringify(rows)],
  );
}
