// Charges customer requests in credits and keeps each request's revenue and cost side by side.
// A RequestCompleted that succeeded becomes one usage debit, whatever the number of attempts
// behind it (its transaction id derives from the request id, so a redelivery debits nothing);
// every ProviderAttempt adds its cost to the request's COGS, once per attempt event. One
// SQL statement per batch of events. Each request is priced by the plan in force when it started,
// from an in-memory schedule; the statement itself checks that the schedule is current (plan
// assignments change over the API) and writes nothing when it is not, so the batch is priced
// again with the reloaded schedule: no plan change is ever missed, and no extra round trip is
// spent per batch while plans stay as they are.
import { ProviderAttempt, RequestCompleted, Topics } from '@assay/contracts';
import { decodeOnce, type BusEvent } from '@assay/messaging';
import type { UsagePricer } from '@assay/metering';
import type { DataSource } from 'typeorm';
import { usageDebit, type LedgerTransaction } from './ledger';
import { ledgerPostCtes, ledgerRows } from './ledger-store';
import type { PlanScheduleCache } from './plan-assignments';
import { creditsFor, type PlanSchedule } from './pricing-plan';

/**
 * Why 3: each retry means a plan change was committed between pricing and writing; three in a row
 * within milliseconds is not a real workload. Failing the batch lets the bus deliver it again.
 */
const MAX_PRICING_ATTEMPTS = 3;

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

export interface UsageChargerOptions {
  /**
   * Whether usage debits also go to the outbox for the finance topic. Only a wiring without a
   * broker turns this off: nothing could consume the topic there (docs/adr/0010).
   */
  publishLedger?: boolean;
}

export class UsageCharger {
  private readonly publishLedger: boolean;
  private readonly sql: string;

  constructor(
    private readonly db: DataSource,
    private readonly plans: PlanScheduleCache,
    private readonly pricer: UsagePricer,
    /** USD value of one credit micro-unit in picodollars, to express revenue in money. */
    private readonly picoPerCreditUnit: bigint,
    options: UsageChargerOptions = {},
  ) {
    this.publishLedger = options.publishLedger ?? true;
    this.sql = chargeBatchSql(this.publishLedger);
  }

  readonly chargeBatch = async (events: BusEvent[]): Promise<void> => {
    const completed: RequestCompleted[] = [];
    const costs: CostRow[] = [];
    // A batch may hold the same event twice (redelivery): each statement must see it once.
    const unique = [...new Map(events.map((e) => [e.id, e])).values()];
    for (const event of unique) {
      if (event.topic === Topics.requestCompleted) completed.push(decodeOnce(RequestCompleted, event));
      else if (event.topic === Topics.providerAttempt) this.cost(decodeOnce(ProviderAttempt, event), costs);
    }
    for (let attempt = 1; ; attempt++) {
      const { schedule, version } = this.plans;
      const charges: ChargeRow[] = [];
      const debits: LedgerTransaction[] = [];
      const charged = new Set<string>();
      for (const e of completed) this.charge(e, schedule, charges, debits, charged);
      if (charges.length === 0 && costs.length === 0) return;
      const [{ fresh }]: Array<{ fresh: boolean }> = await this.db.query(this.sql, [
        JSON.stringify(ledgerRows(debits, this.publishLedger)),
        JSON.stringify(charges),
        JSON.stringify(costs),
        version.toString(),
      ]);
      if (fresh) return;
      if (attempt >= MAX_PRICING_ATTEMPTS) throw new Error(`plan assignments kept changing while charging a batch (${attempt} attempts)`);
      await this.plans.reload();
    }
  };

  private charge(e: RequestCompleted, plans: PlanSchedule, charges: ChargeRow[], debits: LedgerTransaction[], charged: Set<string>): void {
    const tenantId = e.context?.tenantId;
    const requestId = e.context?.requestId;
    if (!tenantId || !requestId || e.status !== 'ok') return; // failed requests are not charged
    // Two events for one request (a producer retry) must still make one charge.
    if (charged.has(requestId)) return;
    charged.add(requestId);
    const at = new Date(e.startedAtMs);
    const usage = e.usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0, cachedTokens: 0, reasoningTokens: 0 };
    // The router reports what the served answer cost; re-price only when it could not.
    const costPico = e.servedCostPico ? BigInt(e.servedCostPico) : this.pricer.price({ provider: e.provider, upstreamModel: e.servedModel, model: e.servedModel, at, ...usage }).costPico;
    const plan = plans.planAt(tenantId, at);
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

/**
 * One statement for the whole batch (one round trip, its own transaction): post the new ledger
 * entries and queue them in the outbox, remember which attempts were costed, and upsert each
 * request's charge and cost. A request's charge is written once (the first RequestCompleted that
 * carries it); its cost grows by each attempt exactly once.
 *
 * All of it only when $4, the plan-assignment version the charges were priced with, is still the
 * current one (`fresh`); otherwise nothing is written. The version row is held FOR SHARE until
 * commit, so a plan change (which takes it FOR UPDATE) either commits before this statement
 * reads the version, or waits and then sees these charges in its charged-history check.
 */
const chargeBatchSql = (outbox: boolean): string => `
WITH plan_version AS (
  SELECT version FROM billing.plan_assignment_version FOR SHARE
),
guard AS (
  SELECT coalesce((SELECT version FROM plan_version) = $4::bigint, false) AS fresh
),
${ledgerPostCtes(`CASE WHEN (SELECT fresh FROM guard) THEN $1::jsonb ELSE '[]'::jsonb END`, outbox)},
charge_input AS (
  SELECT * FROM jsonb_to_recordset(CASE WHEN (SELECT fresh FROM guard) THEN $2::jsonb ELSE '[]'::jsonb END) AS x(request_id text, tenant_id text, started_at timestamptz, prompt_type text, model text,
    end_user text, tags jsonb, plan_id text, credits numeric, revenue_pico numeric)
),
cost_input AS (
  SELECT * FROM jsonb_to_recordset(CASE WHEN (SELECT fresh FROM guard) THEN $3::jsonb ELSE '[]'::jsonb END) AS x(event_id uuid, request_id text, tenant_id text, started_at timestamptz, cost_pico numeric)
),
fresh_costs AS (
  INSERT INTO billing.costed_attempts (event_id) SELECT DISTINCT event_id FROM cost_input ON CONFLICT DO NOTHING RETURNING event_id
),
cost_sums AS (
  SELECT request_id, min(tenant_id) AS tenant_id, min(started_at) AS started_at, sum(cost_pico) AS cogs, count(*)::int AS n
  FROM cost_input JOIN fresh_costs USING (event_id) GROUP BY request_id
),
charged AS (
INSERT INTO billing.request_charges AS rc (request_id, tenant_id, started_at, prompt_type, model, end_user, tags, plan_id, credits, revenue_pico, cogs_pico, attempts_costed)
SELECT request_id, coalesce(c.tenant_id, s.tenant_id), coalesce(c.started_at, s.started_at), coalesce(c.prompt_type, ''), coalesce(c.model, ''),
  coalesce(c.end_user, ''), coalesce(c.tags, '{}'::jsonb), c.plan_id, coalesce(c.credits, 0), coalesce(c.revenue_pico, 0), coalesce(s.cogs, 0), coalesce(s.n, 0)
FROM charge_input c FULL OUTER JOIN cost_sums s USING (request_id)
ORDER BY request_id
ON CONFLICT (request_id) DO UPDATE SET
  started_at = CASE WHEN rc.model = '' AND excluded.model <> '' THEN excluded.started_at ELSE rc.started_at END,
  prompt_type = CASE WHEN rc.model = '' AND excluded.model <> '' THEN excluded.prompt_type ELSE rc.prompt_type END,
  end_user = CASE WHEN rc.model = '' AND excluded.model <> '' THEN excluded.end_user ELSE rc.end_user END,
  tags = CASE WHEN rc.model = '' AND excluded.model <> '' THEN excluded.tags ELSE rc.tags END,
  plan_id = CASE WHEN rc.model = '' AND excluded.model <> '' THEN excluded.plan_id ELSE rc.plan_id END,
  credits = CASE WHEN rc.model = '' AND excluded.model <> '' THEN excluded.credits ELSE rc.credits END,
  revenue_pico = CASE WHEN rc.model = '' AND excluded.model <> '' THEN excluded.revenue_pico ELSE rc.revenue_pico END,
  model = CASE WHEN rc.model = '' THEN excluded.model ELSE rc.model END,
  cogs_pico = rc.cogs_pico + excluded.cogs_pico,
  attempts_costed = rc.attempts_costed + excluded.attempts_costed
)
SELECT fresh FROM guard`;
