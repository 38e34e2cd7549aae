// Lease lifetimes and idempotent lease grants against the real PostgreSQL. No test sleeps: a lease
// "ages" by reading or granting through the store with a clock set ahead of or behind this
// process's, while the API (on the real clock) serves the holder's side. Every budget is named
// after this run and removed afterwards.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { LeaseExpirySweep, leaseFromBudget, readBudget } from '@assay/billing';
import { startBillingApiHarness, type BillingApiHarness } from './billing-api-harness';

const ADMIN_TOKEN = 'budget-leases-test-admin-token';
const RUN = randomUUID().slice(0, 8);
const budgetId = (name: string) => `team:lease-test-${RUN}/${name}`;
/** This process's clock moved by `seconds`: the store's view of a moment before or after now. */
const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1_000);

describe('budget lease lifetimes and idempotent grants', () => {
  let harness: BillingApiHarness;
  let db: DataSource;
  let api: BillingApiHarness['api'];

  beforeAll(async () => {
    harness = await startBillingApiHarness('budget-leases-test', ADMIN_TOKEN);
    ({ db, api } = harness);
  });

  afterAll(async () => {
    await api?.close();
    if (!db) return;
    const budgets = `team:lease-test-${RUN}/%`;
    await db.transaction(async (m) => {
      await m.query(`DELETE FROM billing.lease_settlements WHERE lease_id IN (SELECT lease_id FROM billing.budget_leases WHERE budget_id LIKE $1)`, [budgets]);
      await m.query(`DELETE FROM billing.budget_leases WHERE budget_id LIKE $1`, [budgets]);
      await m.query(`DELETE FROM billing.budgets WHERE budget_id LIKE $1`, [budgets]);
    });
    await db.destroy();
  });

  const call = (method: string, path: string, body?: unknown) => harness.call(method, path, body);
  const budgetPath = (id: string) => `/budgets/${encodeURIComponent(id)}`;
  const createBudget = (id: string, cap: string) => call('PUT', budgetPath(id), { cap_units: cap });
  const lease = (id: string, body: Record<string, unknown>) => call('POST', `${budgetPath(id)}/leases`, body);
  const settle = (leaseId: string, settleId: string, spent: string, close = false) =>
    call('POST', `/leases/${encodeURIComponent(leaseId)}/settle`, { settle_id: settleId, spent_units: spent, close });
  const renew = (leaseId: string, body: Record<string, unknown> = {}) => call('POST', `/leases/${encodeURIComponent(leaseId)}/renew`, body);
  const leaseRow = async (leaseId: string) =>
    (
      await db.query(
        `SELECT closed_reason, remaining_units::text AS remaining, returned_units::text AS returned FROM billing.budget_leases WHERE lease_id = $1`,
        [leaseId],
      )
    )[0] as { closed_reason: string | null; remaining: string; returned: string };

  describe('lease lifetime', () => {
    it('returns what an expired lease still held to the budget and answers its settlement with 410 lease_expired', async () => {
      const id = budgetId('expired');
      await createBudget(id, '1000');
      const granted = await lease(id, { holder_id: 'crashed', requested_units: '200', ttl_seconds: 60 });
      expect(granted.status).toBe(201);
      expect(granted.body).toMatchObject({ granted_units: '200', ttl_seconds: 60 });
      const expiresAt = Date.parse(granted.body.expires_at);
      expect(Math.abs(expiresAt - inSeconds(60).getTime())).toBeLessThan(10_000);
      const leaseId: string = granted.body.lease_id;
      const reported = await settle(leaseId, 's1', '50');
      expect(reported.body).toMatchObject({ remaining_units: '150', replayed: false });
      // Settling renewed the lease for another 60 s.
      expect(Date.parse(reported.body.expires_at)).toBeGreaterThanOrEqual(expiresAt);

      // The holder crashes; two minutes later its lease has lapsed and its rest is back in the budget.
      const later = await readBudget(db, id, inSeconds(120));
      expect(later).toMatchObject({ spentUnits: 50n, outstandingUnits: 0n, availableUnits: 950n, openLeases: [] });
      expect(await leaseRow(leaseId)).toEqual({ closed_reason: 'expired', remaining: '0', returned: '150' });
      expect((await call('GET', budgetPath(id))).body).toMatchObject({ spent_units: '50', outstanding_units: '0', available_units: '950', open_leases: [] });

      // The holder comes back: its late report is refused and not counted, its renewal too.
      const late = await settle(leaseId, 's2', '10');
      expect(late.status).toBe(410);
      expect(late.body).toEqual({
        error: { type: 'invalid_request_error', code: 'lease_expired', param: null, message: expect.stringContaining(`Lease ${leaseId} expired at ${reported.body.expires_at}`) },
      });
      expect((await renew(leaseId)).body.error).toMatchObject({ code: 'lease_expired' });
      expect((await call('GET', budgetPath(id))).body).toMatchObject({ spent_units: '50', available_units: '950' });
      // A settlement made before the lease lapsed still replays as it was answered.
      expect((await settle(leaseId, 's1', '50')).body).toEqual({ ...reported.body, replayed: true });
      // A lease its holder closed is still "not found", not "expired".
      const closedId: string = (await lease(id, { holder_id: 'tidy', requested_units: '10' })).body.lease_id;
      await settle(closedId, 'c1', '0', true);
      expect((await settle(closedId, 'c2', '0')).body.error).toMatchObject({ code: 'lease_not_found' });
    });

    it('keeps a lease alive while its holder renews or settles it, and expires the one left idle', async () => {
      const id = budgetId('renewal');
      await createBudget(id, '1000');
      // Granted 30 s ago for 60 s, so each has 30 s left unless renewed.
      const grantedAt = inSeconds(-30);
      const [idle, renewing, settling] = await Promise.all(
        ['idle', 'renewing', 'settling'].map((holderId) => leaseFromBudget(db, { budgetId: id, holderId, requestedUnits: 100n, ttlSeconds: 60 }, grantedAt)),
      );
      expect(idle.expiresAt.getTime()).toBe(grantedAt.getTime() + 60_000);

      const renewed = await renew(renewing.leaseId, { ttl_seconds: 300 });
      expect(renewed.status).toBe(200);
      expect(renewed.body).toMatchObject({ lease_id: renewing.leaseId, holder_id: 'renewing', remaining_units: '100', ttl_seconds: 300 });
      expect(Date.parse(renewed.body.expires_at)).toBeGreaterThan(inSeconds(290).getTime());
      const settled = await settle(settling.leaseId, 's1', '5');
      expect(Date.parse(settled.body.expires_at)).toBeGreaterThan(inSeconds(50).getTime());

      const holdersAt = async (seconds: number) => (await readBudget(db, id, inSeconds(seconds))).openLeases.map((l) => l.holderId).sort();
      expect(await holdersAt(45)).toEqual(['renewing', 'settling']);
      expect(await holdersAt(120)).toEqual(['renewing']);
      expect(await readBudget(db, id, inSeconds(120))).toMatchObject({ spentUnits: 5n, outstandingUnits: 100n, availableUnits: 895n });
      // A renewal without a ttl uses the lease's own, which the last renewal set to 300 s.
      expect((await renew(renewing.leaseId)).body).toMatchObject({ ttl_seconds: 300 });
    });

    it('expires the leases of a budget nobody touches with the sweep the API runs', async () => {
      const id = budgetId('untouched');
      await createBudget(id, '1000');
      // Granted ten minutes ago for a minute: lapsed, and nobody has touched the budget since.
      const lapsed = await leaseFromBudget(db, { budgetId: id, holderId: 'gone', requestedUnits: 100n, ttlSeconds: 60 }, inSeconds(-600));
      expect(await leaseRow(lapsed.leaseId)).toMatchObject({ closed_reason: null, remaining: '100' });

      const sweep = api.get(LeaseExpirySweep);
      expect(sweep.isRunning).toBe(true);
      await sweep.sweepOnce();
      expect(await leaseRow(lapsed.leaseId)).toEqual({ closed_reason: 'expired', remaining: '0', returned: '100' });
      expect((await call('GET', budgetPath(id))).body).toMatchObject({ outstanding_units: '0', available_units: '1000' });
    });

    it('refuses a ttl outside 1 s to 1 h, and renewing a lease that does not exist', async () => {
      const id = budgetId('ttl-validation');
      await createBudget(id, '1000');
      for (const ttl of [0, 3_601, 1.5, '60']) {
        const r = await lease(id, { holder_id: 'h', requested_units: '1', ttl_seconds: ttl });
        expect(r.status).toBe(400);
        expect(r.body.error).toMatchObject({ type: 'invalid_request_error', param: 'ttl_seconds' });
      }
      const held: string = (await lease(id, { holder_id: 'h', requested_units: '1', ttl_seconds: 3_600 })).body.lease_id;
      expect((await renew(held, { ttl_seconds: 0 })).body.error).toMatchObject({ param: 'ttl_seconds' });
      expect((await renew(held, { ttlSeconds: 5 })).body.error).toMatchObject({ param: 'ttlSeconds', message: "Unknown field 'ttlSeconds'." });
      const unknown = await renew(`${id}:999`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toMatchObject({ code: 'lease_not_found' });
    });
  });

  describe('idempotent lease grants', () => {
    it('answers a retried lease request with the lease it got, and refuses its request id with a different body', async () => {
      const id = budgetId('retried');
      await createBudget(id, '1000');
      const ask = { holder_id: 'ingress-1', requested_units: '100', request_id: 'refill-1' };
      const first = await lease(id, ask);
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ lease_id: `${id}:1`, granted_units: '100', ttl_seconds: 300, replayed: false });
      const retried = await lease(id, ask);
      expect(retried.status).toBe(200);
      expect(retried.body).toEqual({ ...first.body, replayed: true });
      // Explicitly the default ttl is the same body.
      expect((await lease(id, { ...ask, ttl_seconds: 300 })).status).toBe(200);

      for (const changed of [{ requested_units: '101' }, { ttl_seconds: 60 }]) {
        const reused = await lease(id, { ...ask, ...changed });
        expect(reused.status).toBe(409);
        expect(reused.body.error).toMatchObject({ type: 'invalid_request_error', code: 'request_id_reused', param: 'request_id' });
      }
      // The id is the holder's own: another holder's request with it is another request.
      expect((await lease(id, { ...ask, holder_id: 'ingress-2' })).body).toMatchObject({ lease_id: `${id}:2`, replayed: false });
      expect((await call('GET', budgetPath(id))).body).toMatchObject({ outstanding_units: '200', available_units: '800' });

      // Even once the budget has nothing left, the retry still gets its lease.
      await call('PUT', budgetPath(id), { cap_units: '200' });
      expect((await lease(id, { holder_id: 'ingress-1', requested_units: '1' })).status).toBe(402);
      expect(await lease(id, ask)).toEqual({ status: 200, body: { ...first.body, replayed: true } });
    });

    it('grants one lease to many concurrent deliveries of one request', async () => {
      const id = budgetId('redelivered');
      await createBudget(id, '1000');
      const replies = await Promise.all(Array.from({ length: 12 }, () => lease(id, { holder_id: 'ingress-1', requested_units: '100', request_id: 'refill-7' })));
      expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
      expect(new Set(replies.map((r) => r.body.lease_id))).toEqual(new Set([`${id}:1`]));
      expect((await call('GET', budgetPath(id))).body).toMatchObject({ outstanding_units: '100', available_units: '900' });
    });
  });
});
