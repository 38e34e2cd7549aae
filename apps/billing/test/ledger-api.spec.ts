// The credits ledger over the billing API against the real PostgreSQL: grants, purchases, refunds
// and adjustments move the balance once however often they are retried; refunds of a request stay
// within what it was charged; what an expiring grant left unused expires exactly once, however
// often and however concurrently the expiry runs, and what was spent never does; every
// transaction balances afterwards. Every tenant is named after this run; its credit lots are
// removed afterwards (ledger entries are append-only and stay).
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  CreditExpirySweep,
  dailyCloses,
  expireCredits,
  postTransactions,
  reconcileLedger,
  UNITS_PER_CREDIT,
  usageDebit,
} from '@assay/billing';
import { startBillingApiHarness, type BillingApiHarness } from './billing-api-harness';

const ADMIN_TOKEN = 'ledger-api-test-admin-token';
const RUN = randomUUID().slice(0, 8);
const tenantId = (name: string) => `ledger-test-${RUN}-${name}`;
const credits = (n: number) => BigInt(n) * UNITS_PER_CREDIT;
const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000);

describe('credits ledger over the billing API', () => {
  let harness: BillingApiHarness;
  let db: DataSource;
  let api: BillingApiHarness['api'];

  beforeAll(async () => {
    harness = await startBillingApiHarness('ledger-api-test', ADMIN_TOKEN);
    ({ db, api } = harness);
  });

  afterAll(async () => {
    await api?.close();
    if (!db) return;
    await db.query(`DELETE FROM billing.credit_lots WHERE tenant_id LIKE $1`, [`ledger-test-${RUN}-%`]);
    await db.destroy();
  });

  const call = (method: string, path: string, body?: unknown, token?: string | null) => harness.call(method, path, body, token);
  const post = (kind: 'grants' | 'purchases' | 'refunds' | 'adjustments', body: Record<string, unknown>) => call('POST', `/${kind}`, body);

  /** The tenant's balances from the API, as bigints; accounts without entries are absent. */
  async function balances(tenant: string): Promise<Record<string, bigint>> {
    const r = await call('GET', `/tenants/${tenant}/balance`);
    return Object.fromEntries(Object.entries(r.body.accounts as Record<string, string>).map(([k, v]) => [k, BigInt(v)]));
  }
  const available = async (tenant: string) => (await balances(tenant))[`tenant:${tenant}:available`] ?? 0n;

  /** A request charged as the usage charger charges it: one usage debit. */
  async function charge(tenant: string, requestId: string, units: bigint, at = new Date()): Promise<void> {
    await postTransactions(db, [usageDebit({ tenantId: tenant, requestId, amount: units, effectiveAt: at })]);
  }

  async function expiryEntries(tenant: string) {
    const rows: Array<{ entry_id: string; account: string; amount: string; reference: string; effective_at: Date }> = await db.query(
      `SELECT entry_id, account, amount::text AS amount, reference, effective_at FROM billing.ledger_entries WHERE tenant_id = $1 AND kind = 'expiry' ORDER BY account`,
      [tenant],
    );
    return rows;
  }

  describe('postings', () => {
    it('posts a grant once however often it is retried, and refuses its id with a different body', async () => {
      const tenant = tenantId('grant');
      const body = { tenant_id: tenant, credits: '10', grant_id: 'welcome', reference: 'trial' };
      const first = await post('grants', body);
      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        transaction_id: expect.any(String), tenant_id: tenant, grant_id: 'welcome', expires_at: null, credits: '10', effective_at: expect.any(String), posted: true,
      });
      const retried = await post('grants', body);
      expect(retried).toEqual({ status: 200, body: { ...first.body, posted: false } });

      for (const changed of [{ credits: '11' }, { reference: 'other' }, { expires_at: minutesFromNow(60).toISOString() }]) {
        const reused = await post('grants', { ...body, ...changed });
        expect(reused.status).toBe(409);
        expect(reused.body.error).toMatchObject({ type: 'invalid_request_error', code: 'grant_id_reused', param: 'grant_id' });
      }
      expect(await balances(tenant)).toEqual({ 'platform:grants': -credits(10), [`tenant:${tenant}:available`]: credits(10) });
    });

    it('posts a purchase once per payment reference', async () => {
      const tenant = tenantId('purchase');
      const body = { tenant_id: tenant, credits: '25.5', payment_reference: 'pi_123' };
      const first = await post('purchases', body);
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ tenant_id: tenant, payment_reference: 'pi_123', credits: '25.5', expires_at: null, posted: true });
      expect(await post('purchases', body)).toEqual({ status: 200, body: { ...first.body, posted: false } });
      expect((await post('purchases', { ...body, credits: '25' })).body.error).toMatchObject({ code: 'payment_reference_reused', param: 'payment_reference' });
      expect(await balances(tenant)).toEqual({ 'platform:sales': -25_500_000n, [`tenant:${tenant}:available`]: 25_500_000n });
    });

    it('posts a correction in either direction once per id, with its reason, and never below a zero balance', async () => {
      const tenant = tenantId('adjustment');
      await post('grants', { tenant_id: tenant, credits: '5', grant_id: 'g' });
      const up = await post('adjustments', { tenant_id: tenant, credits: '2', adjustment_id: 'goodwill-1', reason: 'outage on 03-02' });
      expect(up.status).toBe(201);
      expect(up.body).toMatchObject({ adjustment_id: 'goodwill-1', reason: 'outage on 03-02', credits: '2', posted: true });
      const down = { tenant_id: tenant, credits: '-3', adjustment_id: 'fix-1', reason: 'double grant' };
      expect((await post('adjustments', down)).body).toMatchObject({ credits: '-3', posted: true });
      expect(await available(tenant)).toBe(credits(4));
      expect(await post('adjustments', down)).toMatchObject({ status: 200, body: { posted: false } });
      expect(await available(tenant)).toBe(credits(4));

      const overdraw = await post('adjustments', { ...down, credits: '-4.000001', adjustment_id: 'fix-2' });
      expect(overdraw.status).toBe(409);
      expect(overdraw.body.error).toMatchObject({ code: 'insufficient_credits', param: 'credits', message: `Tenant ${tenant} has 4 credits available; cannot take 4.000001.` });
      expect((await post('adjustments', { ...down, reason: 'another reason' })).body.error).toMatchObject({ code: 'adjustment_id_reused' });
      expect(await balances(tenant)).toMatchObject({ 'platform:adjustments': credits(1), [`tenant:${tenant}:available`]: credits(4) });
      const reasons: Array<{ reference: string }> = await db.query(
        `SELECT DISTINCT reference FROM billing.ledger_entries WHERE tenant_id = $1 AND kind = 'adjustment' ORDER BY reference`,
        [tenant],
      );
      expect(reasons.map((r) => r.reference)).toEqual(['double grant', 'outage on 03-02']);
    });

    it('refunds a charged request in parts up to what it was charged, and never more', async () => {
      const tenant = tenantId('refund');
      await post('grants', { tenant_id: tenant, credits: '10', grant_id: 'g' });
      const requestId = randomUUID();
      await charge(tenant, requestId, credits(3));

      const first = await post('refunds', { tenant_id: tenant, credits: '2', refund_id: 'r1', request_id: requestId });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ refund_id: 'r1', request_id: requestId, credits: '2', posted: true });
      const beyond = await post('refunds', { tenant_id: tenant, credits: '1.5', refund_id: 'r2', request_id: requestId });
      expect(beyond.status).toBe(409);
      expect(beyond.body.error).toEqual({
        type: 'invalid_request_error', code: 'refund_exceeds_charge', param: 'credits',
        message: `Request ${requestId} was charged 3 credits, of which 2 are refunded: at most 1 more can be.`,
      });
      expect((await post('refunds', { tenant_id: tenant, credits: '1', refund_id: 'r3', request_id: requestId })).status).toBe(201);
      // Fully refunded now, yet retrying the first refund is a retry, not a new refund.
      expect(await post('refunds', { tenant_id: tenant, credits: '2', refund_id: 'r1', request_id: requestId })).toEqual({ status: 200, body: { ...first.body, posted: false } });

      const unknown = await post('refunds', { tenant_id: tenant, credits: '1', refund_id: 'r4', request_id: randomUUID() });
      expect(unknown.body.error).toMatchObject({ code: 'refund_exceeds_charge' });
      expect(unknown.body.error.message).toMatch(/was not charged to tenant/);
      const otherTenant = await post('refunds', { tenant_id: tenantId('refund-other'), credits: '1', refund_id: 'r1', request_id: requestId });
      expect(otherTenant.status).toBe(409);
      // A refund of no request (goodwill) has no charge to stay within.
      expect((await post('refunds', { tenant_id: tenant, credits: '1', refund_id: 'goodwill' })).status).toBe(201);

      expect(await balances(tenant)).toMatchObject({ 'platform:refunds': -credits(4), [`tenant:${tenant}:available`]: credits(11) });
      const traced: Array<{ request_id: string | null; amount: string }> = await db.query(
        `SELECT request_id, amount::text AS amount FROM billing.ledger_entries WHERE tenant_id = $1 AND kind = 'refund' AND account LIKE 'tenant:%' ORDER BY amount DESC, request_id`,
        [tenant],
      );
      expect(traced).toEqual([
        { request_id: requestId, amount: '2000000' },
        { request_id: requestId, amount: '1000000' },
        { request_id: null, amount: '1000000' },
      ]);
    });

    it('refunds a request at most what it was charged when many refunds arrive at once', async () => {
      const tenant = tenantId('refund-race');
      const requestId = randomUUID();
      await charge(tenant, requestId, credits(3));
      const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => post('refunds', { tenant_id: tenant, credits: '1', refund_id: `r${i}`, request_id: requestId })));
      expect(replies.map((r) => r.status).sort()).toEqual([201, 201, 201, 409, 409, 409, 409, 409]);
      expect(await available(tenant)).toBe(0n);
    });

    it('answers bad postings with 400 in the OpenAI envelope, and needs the admin token', async () => {
      const tenant = tenantId('validation');
      for (const [kind, body, param] of [
        ['grants', { tenant_id: tenant, credits: 5 }, 'credits'],
        ['grants', { tenant_id: tenant, credits: '1', grantId: 'g' }, 'grantId'],
        ['grants', { tenant_id: tenant, credits: '1', expires_at: minutesFromNow(-1).toISOString() }, 'expires_at'],
        ['purchases', { tenant_id: tenant, credits: '1', payment_reference: 'p', expires_at: 'tomorrow' }, 'expires_at'],
        ['purchases', { tenant_id: tenant, credits: '-1', payment_reference: 'p' }, 'credits'],
        ['refunds', { tenant_id: tenant, credits: '1' }, 'refund_id'],
        ['adjustments', { tenant_id: tenant, credits: '0', adjustment_id: 'a', reason: 'x' }, 'credits'],
        ['adjustments', { tenant_id: 'a b', credits: '1', adjustment_id: 'a', reason: 'x' }, 'tenant_id'],
      ] as const) {
        const r = await post(kind, body);
        expect([kind, r.status, r.body.error.type, r.body.error.param]).toEqual([kind, 400, 'invalid_request_error', param]);
      }
      expect(await balances(tenant)).toEqual({});
      const anonymous = await call('POST', '/purchases', { tenant_id: tenant, credits: '1', payment_reference: 'p' }, null);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error).toMatchObject({ code: 'invalid_api_key' });
    });
  });

  describe('expiring credits', () => {
    it('runs the credit expiry with the billing API', () => {
      expect(api.get(CreditExpirySweep).isRunning).toBe(true);
    });

    it('expires the unused part of a grant exactly once, however often and concurrently the expiry runs, and never what was spent', async () => {
      const tenant = tenantId('expiry');
      const expiresAt = minutesFromNow(60);
      const granted = await post('grants', { tenant_id: tenant, credits: '10', grant_id: 'trial', expires_at: expiresAt.toISOString() });
      expect(granted.status).toBe(201);
      expect(granted.body).toMatchObject({ expires_at: expiresAt.toISOString(), posted: true });
      expect(await post('grants', { tenant_id: tenant, credits: '10', grant_id: 'trial', expires_at: expiresAt.toISOString() })).toMatchObject({ status: 200, body: { posted: false } });
      await post('purchases', { tenant_id: tenant, credits: '5', payment_reference: 'pi_1' });
      // Spending draws on the credits that expire first: these 3 come out of the trial grant.
      await charge(tenant, randomUUID(), credits(3), minutesFromNow(1));

      await expireCredits(db, new Date(expiresAt.getTime() - 1));
      expect(await expiryEntries(tenant)).toEqual([]);

      // Two runs and a sweep at once (three billing processes, say), then another run later.
      const sweep = new CreditExpirySweep(db, 60_000, () => expiresAt);
      await Promise.all([expireCredits(db, expiresAt), expireCredits(db, expiresAt), sweep.sweepOnce()]);
      await expireCredits(db, new Date(expiresAt.getTime() + 3_600_000));

      const entries = await expiryEntries(tenant);
      expect(entries.map((e) => [e.account, e.amount, e.reference, e.effective_at.toISOString()])).toEqual([
        [`tenant:${tenant}:available`, '-7000000', 'grant:trial', expiresAt.toISOString()],
        [`tenant:${tenant}:expired`, '7000000', 'grant:trial', expiresAt.toISOString()],
      ]);
      expect(await balances(tenant)).toMatchObject({ [`tenant:${tenant}:available`]: credits(5), [`tenant:${tenant}:expired`]: credits(7) });
      const [lot] = await db.query(`SELECT expired_units::text AS expired FROM billing.credit_lots WHERE tenant_id = $1`, [tenant]);
      expect(lot).toEqual({ expired: '7000000' });

      // On the finance topic like every entry (through the outbox) ...
      const outboxed: Array<{ payload: string }> = await db.query(
        `SELECT convert_from(payload, 'UTF8') AS payload FROM billing.outbox WHERE event_id = ANY($1::uuid[]) ORDER BY id`,
        [entries.map((e) => e.entry_id)],
      );
      const published = outboxed.map((o) => JSON.parse(o.payload));
      expect(published).toHaveLength(2);
      expect(published.every((p) => p.schema === 'assay.ledger.entry.v1' && p.kind === 'expiry' && p.tenantId === tenant)).toBe(true);
      expect(published.reduce((s, p) => s + BigInt(p.amount), 0n)).toBe(0n);
      // ... and in the daily close of the day it expired, among the movements by kind.
      const [close] = await dailyCloses(db, expiresAt.toISOString().slice(0, 10), tenant);
      expect(close).toMatchObject({ tenantId: tenant, closingBalance: '5000000' });
      expect(close.movements.expiry).toBe('-7000000');

      expect(await reconcileLedger(db)).toEqual([]);
    });

    it('expires nothing of a grant that was spent, spending the credits that expire first, purchases with an expiry included', async () => {
      const tenant = tenantId('spent');
      const soon = minutesFromNow(60);
      const later = minutesFromNow(120);
      await post('grants', { tenant_id: tenant, credits: '10', grant_id: 'later', expires_at: later.toISOString() });
      await post('grants', { tenant_id: tenant, credits: '10', grant_id: 'soon', expires_at: soon.toISOString() });
      const bought = await post('purchases', { tenant_id: tenant, credits: '5', payment_reference: 'pi_annual', expires_at: later.toISOString() });
      expect(bought.body).toMatchObject({ expires_at: later.toISOString(), posted: true });
      // 12 spent: all of "soon" (it expires first), then 2 of "later" (granted before the purchase).
      await charge(tenant, randomUUID(), credits(12), minutesFromNow(1));

      await Promise.all([expireCredits(db, later), expireCredits(db, later)]);

      const expired: Array<{ reference: string; amount: string }> = await db.query(
        `SELECT reference, amount::text AS amount FROM billing.ledger_entries WHERE tenant_id = $1 AND kind = 'expiry' AND amount > 0 ORDER BY reference`,
        [tenant],
      );
      expect(expired).toEqual([
        { reference: 'grant:later', amount: '8000000' },
        { reference: 'purchase:pi_annual', amount: '5000000' },
      ]);
      const lots: Array<{ source_id: string; expired: string }> = await db.query(
        `SELECT source_id, expired_units::text AS expired FROM billing.credit_lots WHERE tenant_id = $1 ORDER BY source_id`,
        [tenant],
      );
      expect(lots).toEqual([
        { source_id: 'later', expired: '8000000' },
        { source_id: 'pi_annual', expired: '5000000' },
        { source_id: 'soon', expired: '0' },
      ]);
      expect(await balances(tenant)).toMatchObject({ [`tenant:${tenant}:available`]: 0n, [`tenant:${tenant}:expired`]: credits(13) });
      expect(await reconcileLedger(db)).toEqual([]);
    });
  });
});
