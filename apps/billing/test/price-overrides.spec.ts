// Price overrides over the billing API against the real PostgreSQL and Kafka: an override recorded
// over the API travels the compacted price-override topic into a running pricer (a live catalog
// feeding billing's usage charger), which prices attempts after its effective time at the
// override and attempts before it at the list price, without a restart. Every provider and
// tenant is named after this run; its rows are removed afterwards. Its few messages stay on the
// compacted topic (a recorded price is never withdrawn), pricing only this run's provider.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { compilePlan, PlanScheduleCache, UsageCharger } from '@assay/billing';
import { ProviderAttempt, Topics } from '@assay/contracts';
import { createKafkaPublisher, KafkaSubscriber, type BufferedPublisher, type BusEvent } from '@assay/messaging';
import { CatalogPricer, followPriceOverrides } from '@assay/metering';
import { AssayConfigSchema } from '@assay/platform';
import { LivePriceCatalog, PriceCatalog } from '@assay/pricing';
import { eventually, localInfra } from '@assay/testing';
import { startBillingApiHarness, type BillingApiHarness } from './billing-api-harness';

const ADMIN_TOKEN = 'price-overrides-test-admin-token';
const RUN = randomUUID().slice(0, 8);
/** The catalog provider of this run: nothing else prices it, so its overrides touch no other test. */
const PROVIDER = `price-test-${RUN}`;
const tenantId = (name: string) => `price-test-${RUN}-${name}`;

/** $1 in, $2 out per million tokens since 2026. */
const list = PriceCatalog.fromEntries([{ provider: PROVIDER, model: 'model-a', effectiveFrom: '2026-01-01T00:00:00Z', inputPerMTok: '1', outputPerMTok: '2' }], 'test-list');
const config = AssayConfigSchema.parse({ providers: { [PROVIDER]: { kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1' } }, models: [{ name: 'model-a', provider: PROVIDER }] });
/** 1,000 prompt and 500 completion tokens: $0.002 at the list price; $0.0015 at the override below ($0.25 / $0.50 and $0.001 per request). */
const USAGE = { promptTokens: 1_000, completionTokens: 500, totalTokens: 1_500, cachedTokens: 0, reasoningTokens: 0 };
const LIST_COST = '2000000000';
const OVERRIDE_COST = '1500000000';

describe('price overrides', () => {
  const infra = localInfra();
  let harness: BillingApiHarness;
  let db: DataSource;
  let spillDir: string;
  let events: BufferedPublisher;
  const subscribers: KafkaSubscriber[] = [];

  beforeAll(async () => {
    spillDir = mkdtempSync(join(tmpdir(), 'assay-price-overrides-'));
    events = createKafkaPublisher({ brokers: infra.kafkaBrokers, clientId: 'price-overrides-test' }, { spillDir });
    harness = await startBillingApiHarness('price-overrides-test', ADMIN_TOKEN, { events });
    db = harness.db;
  });

  afterAll(async () => {
    await harness?.api.close();
    await Promise.all(subscribers.map((s) => s.close()));
    await events?.close();
    if (db) {
      await db.query(`DELETE FROM billing.price_overrides WHERE provider = $1`, [PROVIDER]);
      await db.query(`DELETE FROM billing.request_charges WHERE tenant_id LIKE $1`, [`price-test-${RUN}-%`]);
      await db.destroy();
    }
    if (spillDir) rmSync(spillDir, { recursive: true, force: true });
  });

  const call = (method: string, path: string, body?: unknown, token?: string | null) => harness.call(method, path, body, token);

  /** A pricing process: list prices, the overrides followed from the topic, billing's charger on top. */
  async function startPricer(): Promise<{ prices: LivePriceCatalog; charger: UsageCharger }> {
    const subscriber = new KafkaSubscriber({ brokers: infra.kafkaBrokers, clientId: 'price-overrides-test' });
    subscribers.push(subscriber);
    const prices = new LivePriceCatalog(list);
    await followPriceOverrides(subscriber, prices, 'price-overrides-test');
    const plans = await PlanScheduleCache.load(db, { plans: [compilePlan({ kind: 'per_request', id: 'test-basic', creditsPerRequest: '1' })], defaultPlanId: 'test-basic' });
    return { prices, charger: new UsageCharger(db, plans, CatalogPricer.fromConfig(prices, config), 10_000n) };
  }

  function attemptAt(tenant: string, startedAtMs: number): { requestId: string; event: BusEvent } {
    const requestId = randomUUID();
    const e: ProviderAttempt = {
      eventId: randomUUID(), attempt: 1, model: 'model-a', provider: PROVIDER, deployment: `${PROVIDER}/model-a`, upstreamModel: 'model-a', status: 'ok', httpStatus: 200,
      context: { requestId, tenantId: tenant, teamId: '', keyId: 'k', endUser: '', tags: {}, promptType: '', deadlineMs: 0 },
      usage: USAGE, startedAtMs, latencyMs: 1, usageEstimated: false, operation: 'chat',
    };
    return { requestId, event: { topic: Topics.providerAttempt, key: tenant, id: e.eventId, value: ProviderAttempt.encode(e).finish() } };
  }

  async function cogs(requestId: string): Promise<string> {
    const [row]: Array<{ cogs: string }> = await db.query(`SELECT cogs_pico::text AS cogs FROM billing.request_charges WHERE request_id = $1`, [requestId]);
    return row.cogs;
  }

  it('prices attempts before an override at the list price and after it at the override, once it has reached a running pricer over Kafka', async () => {
    const { prices, charger } = await startPricer();
    const tenant = tenantId('switch');

    const early = attemptAt(tenant, Date.now());
    await charger.chargeBatch([early.event]);
    expect(await cogs(early.requestId)).toBe(LIST_COST);

    // A moment ahead: long enough for the override to reach the pricer before it starts.
    const effectiveFrom = new Date(Date.now() + 5_000);
    const put = await call('PUT', '/prices', {
      provider: PROVIDER, model: 'model-a', effective_from: effectiveFrom.toISOString(), input_per_mtok: '0.25', output_per_mtok: '0.50', per_request: '0.001', note: 'negotiated',
    });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({
      provider: PROVIDER, model: 'model-a', effective_from: effectiveFrom.toISOString(), input_per_mtok: '0.25', output_per_mtok: '0.5',
      cached_input_per_mtok: null, per_request: '0.001', note: 'negotiated', replayed: false,
    });

    await eventually(async () => prices.current.priceAt(PROVIDER, 'model-a', effectiveFrom)?.source, (source) => source === 'override', 20_000);
    expect(Date.now()).toBeLessThan(effectiveFrom.getTime());
    // Delivered after the override arrived, but started before its effective time: still the list price.
    const justBefore = attemptAt(tenant, effectiveFrom.getTime() - 1);
    await charger.chargeBatch([justBefore.event]);
    expect(await cogs(justBefore.requestId)).toBe(LIST_COST);

    await new Promise((r) => setTimeout(r, Math.max(0, effectiveFrom.getTime() - Date.now() + 10)));
    const after = attemptAt(tenant, Date.now());
    await charger.chargeBatch([after.event]);
    expect(await cogs(after.requestId)).toBe(OVERRIDE_COST);
    expect(await cogs(early.requestId)).toBe(LIST_COST);
  });

  it('gives a pricer that starts later every recorded override before it prices anything', async () => {
    const effectiveFrom = new Date(Date.now() + 60_000);
    expect((await call('PUT', '/prices', { provider: PROVIDER, model: 'model-b', effective_from: effectiveFrom.toISOString(), input_per_mtok: '3', output_per_mtok: '4' })).status).toBe(201);
    await events.flush();

    const { prices } = await startPricer();
    expect(prices.current.priceAt(PROVIDER, 'model-b', effectiveFrom)?.entry).toMatchObject({ inputPerMTok: '3', outputPerMTok: '4' });
    expect(prices.current.priceAt(PROVIDER, 'model-b', new Date(effectiveFrom.getTime() - 1))).toBeUndefined();
  });

  it('confirms a repeated override, refuses other figures at the same start, and lists what is recorded', async () => {
    const body = { provider: PROVIDER, model: 'model-c', effective_from: new Date(Date.now() + 60_000).toISOString(), input_per_mtok: '1.50', output_per_mtok: '6', cached_input_per_mtok: '0.75' };
    const first = await call('PUT', '/prices', body);
    expect(first.status).toBe(201);
    const again = await call('PUT', '/prices', { ...body, input_per_mtok: '1.5' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });

    const changed = await call('PUT', '/prices', { ...body, input_per_mtok: '1.4' });
    expect(changed.status).toBe(409);
    expect(changed.body.error).toMatchObject({ type: 'invalid_request_error', code: 'price_override_exists', param: 'effective_from' });

    const listed = await call('GET', `/prices?provider=${PROVIDER}&model=model-c`);
    expect(listed.status).toBe(200);
    const { replayed: _, ...recorded } = first.body;
    expect(listed.body).toEqual({ overrides: [recorded] });
    expect((await call('GET', `/prices?provider=${PROVIDER}`)).body.overrides.map((o: { model: string }) => o.model)).toEqual(expect.arrayContaining(['model-a', 'model-b', 'model-c']));
  });

  it('refuses an override that would re-price the past with 409, and bad input with 400, in the error envelope', async () => {
    const valid = { provider: PROVIDER, model: 'model-d', input_per_mtok: '1', output_per_mtok: '2' };
    const past = await call('PUT', '/prices', { ...valid, effective_from: new Date(Date.now() - 60_000).toISOString() });
    expect(past.status).toBe(409);
    expect(past.body.error).toMatchObject({ type: 'invalid_request_error', code: 'price_override_in_past', param: 'effective_from' });

    // A few seconds late is "now": clocks and the trip over HTTP.
    expect((await call('PUT', '/prices', { ...valid, effective_from: new Date(Date.now() - 1_000).toISOString() })).status).toBe(201);

    const float = await call('PUT', '/prices', { ...valid, model: 'model-e', input_per_mtok: 1 });
    expect(float.status).toBe(400);
    expect(float.body.error).toMatchObject({ type: 'invalid_request_error', param: 'input_per_mtok' });
    expect((await call('PUT', '/prices', { ...valid, model: 'model-e', output_per_mtok: '0.0000001' })).body.error).toMatchObject({ param: 'output_per_mtok' });
    expect((await call('PUT', '/prices', { ...valid, model: 'model-e', effective_from: 'soon' })).body.error).toMatchObject({ param: 'effective_from' });
    expect((await call('GET', `/prices?provider=${PROVIDER}&model=model-e`)).body).toEqual({ overrides: [] });

    expect((await call('PUT', '/prices', valid, null)).status).toBe(401);
    expect((await call('GET', '/prices', undefined, 'wrong')).body.error).toMatchObject({ code: 'invalid_api_key' });
  });
});
