// The billing API against the real PostgreSQL: budget leases under concurrent replicas, plan
// changes picked up by a running usage charger, and the margin trend. Every budget, tenant and
// request is named after this run, and removed afterwards (except ledger entries: append-only).
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { compilePlan, PlanScheduleCache, UsageCharger, type PlanCatalog } from '@assay/billing';
import { RequestCompleted, Topics } from '@assay/contracts';
import type { BusEvent } from '@assay/messaging';
import type { UsagePricer } from '@assay/metering';
import { eventually } from '@assay/testing';
import { startBillingApiHarness, type BillingApiHarness } from './billing-api-harness';

const ADMIN_TOKEN = 'billing-api-test-admin-token';
const RUN = randomUUID().slice(0, 8);
const budgetId = (name: string) => `team:billing-test-${RUN}/${name}`;
const tenantId = (name: string) => `billing-test-${RUN}-${name}`;

// One credit per request on "basic", two on "pro"; COGS is irrelevant to these tests.
const catalog: PlanCatalog = {
  plans: [
    compilePlan({ kind: 'per_request', id: 'test-basic', creditsPerRequest: '1' }),
    compilePlan({ kind: 'per_request', id: 'test-pro', creditsPerRequest: '2' }),
  ],
  defaultPlanId: 'test-basic',
};
const freeOfCost: UsagePricer = { price: () => ({ costPico: 0n, effectiveFrom: new Date(0) }) };
/** $0.01 per credit = 10^10 picodollars per 10^6 micro-units. */
const PICO_PER_CREDIT_UNIT = 10_000n;

describe('billing API', () => {
  let harness: BillingApiHarness;
  let db: DataSource;

  beforeAll(async () => {
    harness = await startBillingApiHarness('billing-api-test', ADMIN_TOKEN, { plans: catalog });
    db = harness.db;
  });

  afterAll(async () => {
    await harness?.api.close();
    if (!db) return;
    const budgets = `team:billing-test-${RUN}/%`;
    const tenants = `billing-test-${RUN}-%`;
    await db.transaction(async (m) => {
      await m.query(`DELETE FROM billing.lease_settlements WHERE lease_id IN (SELECT lease_id FROM billing.budget_leases WHERE budget_id LIKE $1)`, [budgets]);
      await m.query(`DELETE FROM billing.budget_leases WHERE budget_id LIKE $1`, [budgets]);
      await m.query(`DELETE FROM billing.budgets WHERE budget_id LIKE $1`, [budgets]);
      await m.query(`DELETE FROM billing.request_charges WHERE tenant_id LIKE $1`, [tenants]);
      await m.query(`DELETE FROM billing.plan_assignments WHERE tenant_id LIKE $1`, [tenants]);
      // Running chargers on this database reload their schedules on their next batch.
      await m.query(`UPDATE billing.plan_assignment_version SET version = version + 1`);
    });
    await db.destroy();
  });

  const call = (method: string, path: string, body?: unknown, token?: string | null) => harness.call(method, path, body, token);
  const budgetPath = (id: string) => `/budgets/${encodeURIComponent(id)}`;
  const lease = (id: string, holder: string, units: string) => call('POST', `${budgetPath(id)}/leases`, { holder_id: holder, requested_units: units });
  const settle = (leaseId: string, settleId: string, spent: string, close = false) =>
    call('POST', `/leases/${encodeURIComponent(leaseId)}/settle`, { settle_id: settleId, spent_units: spent, close });

  describe('budget leases', () => {
    it('creates a budget, leases slices sized by what is left, and reports cap, spent, outstanding and available', async () => {
      const id = budgetId('sizing');
      const created = await call('PUT', budgetPath(id), { cap_units: '1000' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ budget_id: id, cap_units: '1000', spent_units: '0', outstanding_units: '0', available_units: '1000', open_leases: [] });
      expect((await call('PUT', budgetPath(id), { cap_units: '1000' })).status).toBe(200);

      const first = await lease(id, 'ingress-1', '100');
      expect(first.status).toBe(201);
      expect(first.body).toEqual({ lease_id: `${id}:1`, budget_id: id, holder_id: 'ingress-1', granted_units: '100', expires_at: expect.any(String), ttl_seconds: 300, replayed: false });
      // Asking for more than a quarter of what is left gets a quarter: 900 / 4.
      expect((await lease(id, 'ingress-2', '10000')).body.granted_units).toBe('225');

      const budget = await call('GET', budgetPath(id));
      expect(budget.body).toMatchObject({ cap_units: '1000', spent_units: '0', outstanding_units: '325', available_units: '675' });
      expect(budget.body.open_leases.map((l: { holder_id: string; remaining_units: string }) => [l.holder_id, l.remaining_units])).toEqual([
        ['ingress-1', '100'],
        ['ingress-2', '225'],
      ]);
    });

    it('settles spending once per settle id and gives the unspent rest back on close', async () => {
      const id = budgetId('settling');
      await call('PUT', budgetPath(id), { cap_units: '1000' });
      const { lease_id: leaseId, granted_units } = (await lease(id, 'ingress-1', '200')).body;
      expect(granted_units).toBe('200');

      const once = await settle(leaseId, 's1', '50');
      expect(once.status).toBe(200);
      expect(once.body).toEqual({
        lease_id: leaseId, settle_id: 's1', spent_units: '50', closed: false, remaining_units: '150', returned_units: '0', expires_at: expect.any(String), replayed: false,
      });
      // A retried call (the first reply was lost) changes nothing.
      expect((await settle(leaseId, 's1', '50')).body).toEqual({ ...once.body, replayed: true });
      expect((await call('GET', budgetPath(id))).body).toMatchObject({ spent_units: '50', outstanding_units: '150', available_units: '800' });

      const reused = await settle(leaseId, 's1', '60');
      expect(reused.status).toBe(409);
      expect(reused.body.error).toMatchObject({ code: 'settle_id_reused', param: 'settle_id', type: 'invalid_request_error' });
      const overdrawn = await settle(leaseId, 's2', '151');
      expect(overdrawn.status).toBe(409);
      expect(overdrawn.body.error).toMatchObject({ code: 'lease_overdrawn', param: 'spent_units' });

      const closed = await settle(leaseId, 's3', '30', true);
      expect(closed.body).toMatchObject({ spent_units: '30', closed: true, remaining_units: '0', returned_units: '120', replayed: false });
      expect((await call('GET', budgetPath(id))).body).toMatchObject({ spent_units: '80', outstanding_units: '0', available_units: '920', open_leases: [] });
      expect((await settle(leaseId, 's3', '30', true)).body).toMatchObject({ closed: true, returned_units: '120', replayed: true });

      const afterClose = await settle(leaseId, 's4', '1');
      expect(afterClose.status).toBe(404);
      expect(afterClose.body.error).toMatchObject({ code: 'lease_not_found' });
      expect((await settle(`${id}:999`, 's1', '1')).status).toBe(404);
    });

    it('never grants more than the cap while many replicas lease and settle at once', async () => {
      const id = budgetId('contended');
      const cap = 1_000n;
      await call('PUT', budgetPath(id), { cap_units: cap.toString() });
      const holders = Array.from({ length: 8 }, (_, i) => `ingress-${i}`);
      const asks = holders.flatMap((h) => Array.from({ length: 12 }, () => lease(id, h, '150')));
      const replies = await Promise.all(asks);

      const granted = replies.filter((r) => r.status === 201).map((r) => r.body as { lease_id: string; granted_units: string });
      const refused = replies.filter((r) => r.status === 402);
      expect(granted.length + refused.length).toBe(replies.length);
      const sumGranted = granted.reduce((sum, g) => sum + BigInt(g.granted_units), 0n);
      expect(sumGranted).toBeLessThanOrEqual(cap);
      // The tail is leased too (leases shrink to one unit), so 96 asks exhaust the budget exactly.
      expect(sumGranted).toBe(cap);
      expect(new Set(granted.map((g) => g.lease_id)).size).toBe(granted.length);
      expect(refused[0].body).toEqual({
        error: { message: `Budget ${id} is exhausted: nothing is left to lease.`, type: 'insufficient_quota', param: null, code: 'budget_exhausted' },
      });

      // Every holder settles part of each lease and closes it, while others ask for more.
      const spent = granted.map((g, i) => (BigInt(g.granted_units) * BigInt(i % 5)) / 4n);
      const more = holders.map((h) => lease(id, h, '150'));
      const settled = await Promise.all(granted.map((g, i) => settle(g.lease_id, `close-${i}`, spent[i].toString(), true)));
      const regranted = (await Promise.all(more)).filter((r) => r.status === 201).reduce((sum, r) => sum + BigInt(r.body.granted_units), 0n);
      expect(settled.every((r) => r.status === 200 && r.body.closed)).toBe(true);

      const totalSpent = spent.reduce((a, b) => a + b, 0n);
      const budget = (await call('GET', budgetPath(id))).body;
      expect(BigInt(budget.spent_units)).toBe(totalSpent);
      expect(BigInt(budget.outstanding_units)).toBe(regranted);
      expect(BigInt(budget.available_units)).toBe(cap - totalSpent - regranted);
      expect(totalSpent + regranted).toBeLessThanOrEqual(cap);
    });

    it('refuses to lower a cap below what is spent and leased', async () => {
      const id = budgetId('shrinking');
      await call('PUT', budgetPath(id), { cap_units: '1000' });
      await lease(id, 'ingress-1', '200');
      const refused = await call('PUT', budgetPath(id), { cap_units: '199' });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'cap_below_committed', param: 'cap_units' });
      expect((await call('PUT', budgetPath(id), { cap_units: '200' })).body).toMatchObject({ cap_units: '200', available_units: '0' });
      expect((await lease(id, 'ingress-2', '1')).status).toBe(402);
    });

    it('answers bad input with 400, unknown budgets with 404 and a missing token with 401, all in the OpenAI envelope', async () => {
      const id = budgetId('validation');
      for (const cap of ['-5', '1.5', 5, '']) {
        const r = await call('PUT', budgetPath(id), { cap_units: cap });
        expect(r.status).toBe(400);
        expect(r.body.error).toMatchObject({ type: 'invalid_request_error', param: 'cap_units' });
      }
      expect((await call('PUT', budgetPath(id), { capUnits: '5' })).body.error).toMatchObject({ param: 'capUnits', message: "Unknown field 'capUnits'." });
      expect((await call('PUT', budgetPath('acme'), { cap_units: '5' })).body.error).toMatchObject({ param: 'budget_id' });

      const unknown = await call('GET', budgetPath(id));
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toMatchObject({ code: 'budget_not_found' });
      expect((await lease(id, 'ingress-1', '5')).status).toBe(404);

      await call('PUT', budgetPath(id), { cap_units: '5' });
      expect((await lease(id, 'ingress-1', '0')).body.error).toMatchObject({ param: 'requested_units' });
      expect((await lease(id, 'ingress-1', '-1')).status).toBe(400);
      const held = (await lease(id, 'ingress-1', '1')).body.lease_id;
      expect((await settle(held, 's1', '0.5')).status).toBe(400);

      const malformed = await fetch(harness.base + budgetPath(id), { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"cap_units":' });
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');

      const anonymous = await call('GET', budgetPath(id), undefined, null);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error).toMatchObject({ code: 'invalid_api_key' });
      expect((await call('POST', `${budgetPath(id)}/leases`, { holder_id: 'h', requested_units: '1' }, 'wrong')).status).toBe(401);
    });
  });

  describe('plan assignment', () => {
    function completedAt(tenant: string, startedAtMs: number): { requestId: string; event: BusEvent } {
      const requestId = randomUUID();
      const e: RequestCompleted = {
        eventId: randomUUID(), requestedModel: 'm', servedModel: 'm', provider: 'p', attempts: 1, status: 'ok', httpStatus: 200, stream: false,
        context: { requestId, tenantId: tenant, teamId: '', keyId: 'k', endUser: '', tags: {}, promptType: '', deadlineMs: 0 },
        usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2, cachedTokens: 0, reasoningTokens: 0 },
        startedAtMs, latencyMs: 1, operation: 'chat', servedCostPico: '1', deployment: 'p/m',
      };
      return { requestId, event: { topic: Topics.requestCompleted, key: tenant, id: e.eventId, value: RequestCompleted.encode(e).finish() } };
    }

    async function charged(requestIds: string[]): Promise<Array<[string | null, string]>> {
      const rows: Array<{ request_id: string; plan_id: string | null; credits: string }> = await db.query(
        `SELECT request_id, plan_id, credits::text AS credits FROM billing.request_charges WHERE request_id = ANY($1)`,
        [requestIds],
      );
      const byId = new Map(rows.map((r) => [r.request_id, [r.plan_id, r.credits] as [string | null, string]]));
      return requestIds.map((id) => byId.get(id)!);
    }

    it('prices each request by the plan in force when it started, picking up a new plan without a restart', async () => {
      const tenant = tenantId('upgrade');
      const charger = new UsageCharger(db, await PlanScheduleCache.load(db, catalog), freeOfCost, PICO_PER_CREDIT_UNIT);
      const before = await call('GET', `/tenants/${tenant}/plan`);
      expect(before.body).toMatchObject({ tenant_id: tenant, current: { plan: 'test-basic', effective_from: null, source: 'default' }, scheduled: [] });

      const effectiveFrom = new Date(Date.now() + 2_000);
      const assigned = await call('PUT', `/tenants/${tenant}/plan`, { plan: 'test-pro', effective_from: effectiveFrom.toISOString() });
      expect(assigned.status).toBe(200);
      expect(assigned.body).toMatchObject({ current: { plan: 'test-basic', source: 'default' }, scheduled: [{ plan: 'test-pro', effective_from: effectiveFrom.toISOString() }] });

      const justBefore = completedAt(tenant, effectiveFrom.getTime() - 1);
      const atChange = completedAt(tenant, effectiveFrom.getTime());
      const later = completedAt(tenant, effectiveFrom.getTime() + 3_600_000);
      await charger.chargeBatch([justBefore.event, atChange.event, later.event]);
      expect(await charged([justBefore.requestId, atChange.requestId, later.requestId])).toEqual([
        ['test-basic', '1000000'],
        ['test-pro', '2000000'],
        ['test-pro', '2000000'],
      ]);
      const [{ revenue }] = await db.query(`SELECT revenue_pico::text AS revenue FROM billing.request_charges WHERE request_id = $1`, [atChange.requestId]);
      expect(revenue).toBe('20000000000'); // two credits at $0.01
    });

    it('queues usage debits for the finance topic, or only posts them in a wiring without one', async () => {
      const outboxed = async (requestId: string): Promise<number> => {
        const [{ n }] = await db.query(
          `SELECT count(*)::int AS n FROM billing.outbox o JOIN billing.ledger_entries e ON e.entry_id = o.event_id WHERE e.request_id = $1`,
          [requestId],
        );
        return n;
      };
      const entries = async (requestId: string): Promise<string[]> =>
        (await db.query(`SELECT amount::text AS amount FROM billing.ledger_entries WHERE request_id = $1 ORDER BY amount`, [requestId])).map((r: { amount: string }) => r.amount);
      const tenant = tenantId('outbox');
      const plans = await PlanScheduleCache.load(db, catalog);
      const withTopic = completedAt(tenant, Date.now());
      const withoutTopic = completedAt(tenant, Date.now());
      await new UsageCharger(db, plans, freeOfCost, PICO_PER_CREDIT_UNIT).chargeBatch([withTopic.event]);
      await new UsageCharger(db, plans, freeOfCost, PICO_PER_CREDIT_UNIT, { publishLedger: false }).chargeBatch([withoutTopic.event]);
      expect(await entries(withTopic.requestId)).toEqual(['-1000000', '1000000']);
      expect(await entries(withoutTopic.requestId)).toEqual(['-1000000', '1000000']);
      expect(await outboxed(withTopic.requestId)).toBe(2);
      expect(await outboxed(withoutTopic.requestId)).toBe(0);
    });

    it('prices a batch that races a plan change by the new plan, never the old one', async () => {
      const tenant = tenantId('race');
      const charger = new UsageCharger(db, await PlanScheduleCache.load(db, catalog), freeOfCost, PICO_PER_CREDIT_UNIT);
      const effectiveFrom = new Date(Date.now() + 1_000);
      // A plan change in progress, as assignPlan() makes it: holds the version row until commit.
      const change = db.createQueryRunner();
      await change.connect();
      try {
        await change.startTransaction();
        await change.query(`SELECT version FROM billing.plan_assignment_version FOR UPDATE`);
        await change.query(`INSERT INTO billing.plan_assignments (tenant_id, plan_id, effective_from) VALUES ($1, 'test-pro', $2)`, [tenant, effectiveFrom]);
        await change.query(`UPDATE billing.plan_assignment_version SET version = version + 1`);
        const request = completedAt(tenant, effectiveFrom.getTime() + 1);
        const charging = charger.chargeBatch([request.event]);
        await eventually(
          () => db.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'billing-api-test' AND wait_event_type = 'Lock' AND query LIKE '%plan_assignment_version FOR SHARE%'`),
          (rows: unknown[]) => rows.length > 0,
          10_000,
        );
        await change.commitTransaction();
        await charging;
        expect(await charged([request.requestId])).toEqual([['test-pro', '2000000']]);
      } finally {
        if (change.isTransactionActive) await change.rollbackTransaction();
        await change.release();
      }
    });

    it('refuses a plan change that would rewrite charged history, and an unknown plan', async () => {
      const tenant = tenantId('history');
      const charger = new UsageCharger(db, await PlanScheduleCache.load(db, catalog), freeOfCost, PICO_PER_CREDIT_UNIT);

      const past = await call('PUT', `/tenants/${tenant}/plan`, { plan: 'test-pro', effective_from: new Date(Date.now() - 60_000).toISOString() });
      expect(past.status).toBe(409);
      expect(past.body.error).toMatchObject({ code: 'plan_change_in_past', param: 'effective_from' });

      const unknown = await call('PUT', `/tenants/${tenant}/plan`, { plan: 'gold' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toMatchObject({ code: 'unknown_plan', param: 'plan', message: "Unknown plan 'gold'. Known plans: test-basic, test-pro." });

      // A request stamped 30 s ahead (a fast clock upstream) is already charged on the default plan.
      const ahead = completedAt(tenant, Date.now() + 30_000);
      await charger.chargeBatch([ahead.event]);
      const overlapping = await call('PUT', `/tenants/${tenant}/plan`, { plan: 'test-pro', effective_from: new Date(Date.now() + 10_000).toISOString() });
      expect(overlapping.status).toBe(409);
      expect(overlapping.body.error).toMatchObject({ code: 'plan_change_after_charges' });
      expect(await charged([ahead.requestId])).toEqual([['test-basic', '1000000']]);

      const effectiveFrom = new Date(Date.now() + 60_000).toISOString();
      expect((await call('PUT', `/tenants/${tenant}/plan`, { plan: 'test-pro', effective_from: effectiveFrom })).status).toBe(200);
      const retried = await call('PUT', `/tenants/${tenant}/plan`, { plan: 'test-pro', effective_from: effectiveFrom });
      expect(retried.status).toBe(200);
      expect(retried.body.scheduled).toEqual([{ plan: 'test-pro', effective_from: effectiveFrom }]);
    });
  });

  describe('margin trend', () => {
    const USD = 1_000_000_000_000n;
    let tenant: string;

    beforeAll(async () => {
      tenant = tenantId('trend');
      // [start, revenue $, COGS $]: a quiet day (03-03) and a day sold below cost (03-04).
      const charges: Array<[string, bigint, bigint]> = [
        ['2026-02-10T12:00:00Z', 20n, 10n],
        ['2026-03-01T23:59:59.999Z', 4n, 3n],
        ['2026-03-02T00:00:00Z', 5n, 2n],
        ['2026-03-02T18:30:00Z', 5n, 3n],
        ['2026-03-04T09:00:00Z', 8n, 10n],
      ];
      for (const [at, revenue, cogs] of charges) {
        await db.query(
          `INSERT INTO billing.request_charges (request_id, tenant_id, started_at, model, plan_id, credits, revenue_pico, cogs_pico, attempts_costed)
           VALUES ($1, $2, $3, 'm', 'test-basic', $4, $5, $6, 1)`,
          [randomUUID(), tenant, at, ((revenue * USD) / PICO_PER_CREDIT_UNIT).toString(), (revenue * USD).toString(), (cogs * USD).toString()],
        );
      }
    });

    const trend = (query: string) => call('GET', `/reports/margin/trend?tenant_id=${tenant}&${query}`);

    it('gives revenue, COGS and margin per day with the change versus the day before', async () => {
      const r = await trend('period=day&from=2026-03-02T00:00:00Z&to=2026-03-05T00:00:00Z');
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ period: 'day', from: '2026-03-02T00:00:00.000Z', to: '2026-03-05T00:00:00.000Z', tenant_id: tenant });
      expect(r.body.rows).toEqual([
        {
          period: '2026-03-02', requests: 2, credits: '1000000000', revenueUsd: '10', cogsUsd: '5', marginUsd: '5', marginPct: '50.00',
          revenueChangeUsd: '6', cogsChangeUsd: '2', marginChangeUsd: '4', revenueChangePct: '150.00', marginPctChange: '25.00',
        },
        {
          period: '2026-03-03', requests: 0, credits: '0', revenueUsd: '0', cogsUsd: '0', marginUsd: '0', marginPct: null,
          revenueChangeUsd: '-10', cogsChangeUsd: '-5', marginChangeUsd: '-5', revenueChangePct: '-100.00', marginPctChange: null,
        },
        {
          period: '2026-03-04', requests: 1, credits: '800000000', revenueUsd: '8', cogsUsd: '10', marginUsd: '-2', marginPct: '-25.00',
          revenueChangeUsd: '8', cogsChangeUsd: '10', marginChangeUsd: '-2', revenueChangePct: null, marginPctChange: null,
        },
      ]);
    });

    it('covers whole weeks and months, compared with the one before', async () => {
      // From mid-week: the whole week from Monday 03-02 is reported, against the week of 02-23.
      const week = await trend('period=week&from=2026-03-04T10:00:00Z&to=2026-03-06T00:00:00Z');
      expect(week.body).toMatchObject({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-09T00:00:00.000Z' });
      expect(week.body.rows).toEqual([
        expect.objectContaining({ period: '2026-03-02', requests: 3, revenueUsd: '18', cogsUsd: '15', marginUsd: '3', marginPct: '16.67', revenueChangeUsd: '14', revenueChangePct: '350.00', marginPctChange: '-8.33' }),
      ]);
      const month = await trend('period=month&from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z');
      expect(month.body.rows).toEqual([
        expect.objectContaining({ period: '2026-03-01', requests: 4, revenueUsd: '22', cogsUsd: '18', marginUsd: '4', marginPct: '18.18', revenueChangeUsd: '2', cogsChangeUsd: '8', marginChangeUsd: '-6', revenueChangePct: '10.00', marginPctChange: '-31.82' }),
      ]);
    });

    it('writes the trend as CSV and refuses periods and ranges it does not serve', async () => {
      const csv = await trend('period=day&from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z&format=csv');
      expect(csv.status).toBe(200);
      expect(csv.text).toBe(
        'period,requests,credits,revenueUsd,cogsUsd,marginUsd,marginPct,revenueChangeUsd,cogsChangeUsd,marginChangeUsd,revenueChangePct,marginPctChange\n' +
          '2026-03-02,2,1000000000,10,5,5,50.00,6,2,4,150.00,25.00\n',
      );
      expect((await trend('period=year')).body.error).toMatchObject({ param: 'period' });
      expect((await trend('period=day&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z')).body.error).toMatchObject({ code: 'range_too_long' });
      expect((await trend('period=day&from=2026-03-05T00:00:00Z&to=2026-03-01T00:00:00Z')).status).toBe(400);
    });
  });
});
