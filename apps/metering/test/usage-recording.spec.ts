// Metering against the real PostgreSQL: a randomized workload delivered with duplicates and out of
// order leaves exactly one record per event, and the hourly aggregates equal the raw records.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ProviderAttempt, RequestCompleted, Topics } from '@assay/contracts';
import type { BusEvent } from '@assay/messaging';
import { CatalogPricer, meteringDatabase, reconcileUsage, UsageRecorder, type UsagePricer } from '@assay/metering';
import { PriceCatalog } from '@assay/pricing';
import { AssayConfigSchema, openDatabase } from '@assay/platform';
import { localInfra } from '@assay/testing';

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

// Prices every token at 1,000,000 picodollars ($1 per million tokens): easy to check by hand.
const flatPricer: UsagePricer = { price: (a) => ({ costPico: BigInt(a.promptTokens + a.completionTokens) * 1_000_000n, effectiveFrom: new Date(0) }) };

/** The same event at another start time (attempts keep their offsets from it). */
function retimed(event: BusEvent, startedAtMs: number): BusEvent {
  if (event.topic === Topics.providerAttempt) {
    const a = ProviderAttempt.decode(event.value);
    return { ...event, value: ProviderAttempt.encode({ ...a, startedAtMs: startedAtMs + (a.attempt ?? 1) }).finish() };
  }
  const c = RequestCompleted.decode(event.value);
  return { ...event, value: RequestCompleted.encode({ ...c, startedAtMs }).finish() };
}

describe('usage recording', () => {
  let db: DataSource;
  beforeAll(async () => {
    db = await openDatabase(localInfra().databaseUrl, [meteringDatabase], 'metering-test');
  });
  afterAll(async () => db?.destroy());

  function workload(random: () => number, tenant: string, requests: number): BusEvent[] {
    const events: BusEvent[] = [];
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
    for (let i = 0; i < requests; i++) {
      const context = {
        requestId: randomUUID(),
        tenantId: tenant,
        teamId: pick(['', 'team-a']),
        keyId: pick(['k1', 'k2']),
        endUser: pick(['u1', 'u2', 'u3']),
        tags: pick<Record<string, string>>([{}, { feature: 'summary' }, { feature: 'chat', plan: 'pro' }]),
        promptType: pick(['', 'classify']),
        deadlineMs: 0,
      };
      const startedAtMs = Date.UTC(2026, 10, 20, Math.floor(random() * 3), Math.floor(random() * 60));
      const attempts = 1 + Math.floor(random() * 3);
      let usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0, cachedTokens: 0, reasoningTokens: 0 };
      for (let a = 1; a <= attempts; a++) {
        const ok = a === attempts;
        usage = ok ? { promptTokens: 10 + Math.floor(random() * 90), completionTokens: Math.floor(random() * 200), totalTokens: 0, cachedTokens: 0, reasoningTokens: 0 } : usage;
        usage.totalTokens = usage.promptTokens + usage.completionTokens;
        const attempt: ProviderAttempt = {
          eventId: randomUUID(), context, attempt: a, model: 'm', provider: 'p', deployment: 'p/m', upstreamModel: 'm',
          usage: ok ? usage : { promptTokens: 0, completionTokens: 0, totalTokens: 0, cachedTokens: 0, reasoningTokens: 0 },
          status: ok ? 'ok' : 'upstream_error', httpStatus: ok ? 200 : 500, startedAtMs: startedAtMs + a, latencyMs: 5, usageEstimated: false, operation: 'chat',
        };
        events.push({ topic: Topics.providerAttempt, key: tenant, id: attempt.eventId, value: ProviderAttempt.encode(attempt).finish() });
      }
      const completed: RequestCompleted = {
        eventId: randomUUID(), context, requestedModel: 'm', servedModel: 'm', provider: 'p', usage, attempts, status: 'ok',
        httpStatus: 200, stream: false, startedAtMs, latencyMs: 9, operation: 'chat', servedCostPico: '', deployment: 'p/m',
      };
      events.push({ topic: Topics.requestCompleted, key: tenant, id: completed.eventId, value: RequestCompleted.encode(completed).finish() });
    }
    return events;
  }

  it('records each event once and keeps aggregates equal to the records, whatever the delivery order', async () => {
    const random = seeded(42);
    const tenant = `tenant-${randomUUID()}`;
    const events = workload(random, tenant, 300);
    // Every event delivered once, a third of them again, all shuffled, in uneven batches.
    const deliveries = [...events, ...events.filter(() => random() < 0.33)].sort(() => random() - 0.5);
    const recorder = new UsageRecorder(db, flatPricer);
    let inserted = 0;
    for (let i = 0; i < deliveries.length; ) {
      const size = 1 + Math.floor(random() * 80);
      inserted += await recorder.recordBatch(deliveries.slice(i, i + size));
      i += size;
    }
    expect(inserted).toBe(events.length);

    const [{ records, tokens, cost }] = await db.query(
      `SELECT count(*)::int AS records, sum(prompt_tokens + completion_tokens)::int AS tokens, sum(cost_pico)::text AS cost
       FROM metering.usage_records WHERE tenant_id = $1 AND kind = 'attempt'`,
      [tenant],
    );
    expect(records).toBe(events.length - 300);
    expect(BigInt(cost)).toBe(BigInt(tokens) * 1_000_000n);
    const [{ hourlyCost }] = await db.query(`SELECT sum(cost_pico)::text AS "hourlyCost" FROM metering.usage_hourly WHERE tenant_id = $1`, [tenant]);
    expect(hourlyCost).toBe(cost);
    expect(await reconcileUsage(db)).toEqual([]);
  });

  it('processes batches delivered concurrently without losing or doubling anything', async () => {
    const random = seeded(7);
    const tenant = `tenant-${randomUUID()}`;
    const events = workload(random, tenant, 200);
    const recorder = new UsageRecorder(db, flatPricer);
    const batches = [events.slice(0, 300), events.slice(200, 500), events.slice(400), events];
    const inserted = (await Promise.all(batches.map((b) => recorder.recordBatch(b)))).reduce((a, b) => a + b, 0);
    expect(inserted).toBe(events.length);
    expect(await reconcileUsage(db)).toEqual([]);
  });

  it('keeps daily aggregates equal to the sums of the records of each UTC day, through the hourly ones', async () => {
    const tenant = `tenant-${randomUUID()}`;
    const events = workload(seeded(11), tenant, 60);
    await new UsageRecorder(db, flatPricer).recordBatch(events);
    // One more request late on the day before, so the view has two days to keep apart.
    const lateRequest = workload(seeded(12), tenant, 1).map((e) => retimed(e, Date.UTC(2026, 10, 19, 23, 59, 59)));
    await new UsageRecorder(db, flatPricer).recordBatch(lateRequest);
    const daily: Array<Record<string, string>> = await db.query(
      `SELECT to_char(day AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, sum(events)::text AS events, sum(prompt_tokens)::text AS prompt_tokens, sum(cost_pico)::text AS cost
       FROM metering.usage_daily WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1`,
      [tenant],
    );
    const records: Array<Record<string, string>> = await db.query(
      `SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::text AS events, sum(prompt_tokens)::text AS prompt_tokens, sum(cost_pico)::text AS cost
       FROM metering.usage_records WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1`,
      [tenant],
    );
    expect(daily.map((d) => d.day)).toEqual(['2026-11-19', '2026-11-20']);
    expect(daily).toEqual(records);
    const [{ tagged }] = await db.query(`SELECT sum(events)::int AS tagged FROM metering.usage_daily_tags WHERE tenant_id = $1 AND tag_key = 'feature'`, [tenant]);
    const [{ expected }] = await db.query(`SELECT count(*)::int AS expected FROM metering.usage_records WHERE tenant_id = $1 AND tags ? 'feature'`, [tenant]);
    expect(tagged).toBe(expected);
    expect(await reconcileUsage(db)).toEqual([]);
  });

  it('reports a tampered aggregate', async () => {
    const tenant = `tenant-${randomUUID()}`;
    await new UsageRecorder(db, flatPricer).recordBatch(workload(seeded(3), tenant, 5));
    await db.query(`UPDATE metering.usage_hourly SET prompt_tokens = prompt_tokens + 1 WHERE tenant_id = $1 AND kind = 'request'`, [tenant]);
    const differences = await reconcileUsage(db);
    await db.query(`UPDATE metering.usage_hourly SET prompt_tokens = prompt_tokens - 1 WHERE tenant_id = $1 AND kind = 'request'`, [tenant]);
    expect(differences.length).toBeGreaterThan(0);
    expect(differences.every((d) => d.key.tenant_id === tenant && d.table === 'usage_hourly')).toBe(true);
    expect(await reconcileUsage(db)).toEqual([]);
  });
});

describe('pricing usage across a price change', () => {
  let db: DataSource;
  beforeAll(async () => {
    db = await openDatabase(localInfra().databaseUrl, [meteringDatabase], 'metering-price-test');
  });
  afterAll(async () => db?.destroy());

  it('prices each attempt with the price in force when it started, never rewriting earlier records', async () => {
    const catalog = PriceCatalog.fromEntries([
      { provider: 'acme', model: 'acme-1', effectiveFrom: '2026-01-01T00:00:00Z', inputPerMTok: '1', outputPerMTok: '2' },
      { provider: 'acme', model: 'acme-1', effectiveFrom: '2026-06-01T00:00:00Z', inputPerMTok: '0.5', outputPerMTok: '1' },
    ]);
    const config = AssayConfigSchema.parse({ providers: { acme: { kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1', priceAs: 'acme' } }, models: [{ name: 'acme-1', provider: 'acme' }] });
    const recorder = new UsageRecorder(db, CatalogPricer.fromConfig(catalog, config));
    const tenant = `tenant-${randomUUID()}`;
    const attemptAt = (iso: string): BusEvent => {
      const e: ProviderAttempt = {
        eventId: randomUUID(), attempt: 1, model: 'acme-1', provider: 'acme', deployment: 'acme/acme-1', upstreamModel: 'acme-1', status: 'ok', httpStatus: 200,
        context: { requestId: randomUUID(), tenantId: tenant, teamId: '', keyId: 'k', endUser: '', tags: {}, promptType: '', deadlineMs: 0 },
        usage: { promptTokens: 1_000_000, completionTokens: 1_000_000, totalTokens: 2_000_000, cachedTokens: 0, reasoningTokens: 0 },
        startedAtMs: Date.parse(iso), latencyMs: 1, usageEstimated: false, operation: 'chat',
      };
      return { topic: Topics.providerAttempt, key: tenant, id: e.eventId, value: ProviderAttempt.encode(e).finish() };
    };
    await recorder.recordBatch([attemptAt('2026-05-31T23:59:59Z'), attemptAt('2026-06-01T00:00:00Z')]);
    const rows: Array<{ cost: string; from: Date }> = await db.query(
      `SELECT cost_pico::text AS cost, price_effective_from AS from FROM metering.usage_records WHERE tenant_id = $1 ORDER BY occurred_at`,
      [tenant],
    );
    // $1 + $2 for a million tokens each before the change, $0.50 + $1 from its effective time on.
    expect(rows.map((r) => r.cost)).toEqual(['3000000000000', '1500000000000']);
    expect(rows.map((r) => r.from.toISOString())).toEqual(['2026-01-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z']);
  });
});
