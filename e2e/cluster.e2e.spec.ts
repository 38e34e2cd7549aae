// One chat completion through all the cluster's processes: ingress -> router -> provider
// connector -> provider over gRPC and HTTP, its usage through Kafka and metering into PostgreSQL.
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { RequestCompleted, Topics } from '@assay/contracts';
import { EVENT_ID_HEADER } from '@assay/messaging';
import { meteringDatabase, UsageRecordEntity } from '@assay/metering';
import { startMockProvider } from '@assay/mock-llm';
import { openDatabase } from '@assay/platform';
import { formatUsd } from '@assay/pricing';
import { issueVirtualKey, tenancyDatabase } from '@assay/tenancy';
import { spawnSync } from 'node:child_process';
import { eventually, localInfra, REPO_ROOT, startService, type ServiceProcess } from '@assay/testing';
import { apiConformanceTests } from './api-conformance';
import { E2E_ADMIN_TOKEN, writeClusterConfig } from './cluster-config';
import { E2E_MOCK_CONFIG } from './gateway-models';

describe('cluster wiring', () => {
  const infra = localInfra();
  let mock: Awaited<ReturnType<typeof startMockProvider>>;
  let db: DataSource;
  let services: ServiceProcess[] = [];
  let baseURL: string;
  let apiKey: string;
  let client: OpenAI;
  let grpcAddress: string;
  let billingBase: string;
  let tenantId: string;

  beforeAll(async () => {
    mock = await startMockProvider({ port: 0, config: E2E_MOCK_CONFIG });
    // Migrations first, so the services start against an up-to-date schema.
    db = await openDatabase(infra.databaseUrl, [tenancyDatabase, meteringDatabase], 'assay-e2e');
    const issued = await issueVirtualKey(db, `e2e-${randomUUID()}`);
    apiKey = issued.key;
    tenantId = issued.tenantId;
    const { path, ports } = await writeClusterConfig(mock.url, infra.kafkaBrokers);
    const env = { ASSAY_CONFIG: path, DATABASE_URL: infra.databaseUrl, KAFKA_BROKERS: infra.kafkaBrokers.join(',') };
    services = await Promise.all([
      startService('provider-connector', env, 'listening'),
      startService('router', env, 'listening'),
      startService('metering', env, 'consuming'),
      startService('billing', env, 'consuming'),
      startService('ingress', env, 'listening'),
    ]);
    baseURL = `http://127.0.0.1:${ports.http}/v1`;
    grpcAddress = `127.0.0.1:${ports.grpc}`;
    billingBase = `http://127.0.0.1:${ports.billing}/v1/billing`;
    client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
  });

  afterAll(async () => {
    const codes = await Promise.all(services.map((s) => s.stop()));
    await db?.destroy();
    await mock?.close();
    expect(codes.every((c) => c === 0)).toBe(true);
  });

  function usageRows(requestId: string): Promise<UsageRecordEntity[]> {
    return db.getRepository(UsageRecordEntity).find({ where: { requestId }, order: { kind: 'ASC' } });
  }

  it('answers a chat completion in the OpenAI shape and meters it exactly once', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'mock-large', messages: [{ role: 'user', content: 'Say something useful.' }] })
      .withResponse();

    expect(data.object).toBe('chat.completion');
    expect(typeof data.choices[0].message.content).toBe('string');
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(data.usage!.completion_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-assay-model')).toBe('mock-large');
    expect(response.headers.get('x-assay-attempts')).toBe('1');

    const requestId = response.headers.get('x-request-id')!;
    const rows = await eventually(() => usageRows(requestId), (r) => r.length >= 2);
    expect(rows.map((r) => r.kind)).toEqual(['attempt', 'request']);
    // The attempt is priced from the catalog, and the client was told the same cost.
    const attempt = rows[0];
    expect(attempt.priced).toBe(true);
    expect(attempt.costPico).toBeGreaterThan(0n);
    expect(response.headers.get('x-assay-cost')).toBe(formatUsd(attempt.costPico, 9));
    for (const row of rows) {
      expect(row.promptTokens).toBe(data.usage!.prompt_tokens);
      expect(row.completionTokens).toBe(data.usage!.completion_tokens);
      expect(row.model).toBe('mock-large');
      expect(row.status).toBe('ok');
    }
  });

  it('streams a chat completion with usage and meters it', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'mock-small', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Stream please.' }] })
      .withResponse();
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text.length).toBeGreaterThan(0);
    expect(usage!.completion_tokens).toBeGreaterThan(0);

    const rows = await eventually(() => usageRows(response.headers.get('x-request-id')!), (r) => r.length >= 2);
    expect(rows.find((r) => r.kind === 'request')!.completionTokens).toBe(usage!.completion_tokens);
  });

  it('does not show the usage chunk to a streaming client that did not ask for it', async () => {
    const stream = await client.chat.completions.create({ model: 'mock-small', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    for await (const chunk of stream) expect(chunk.usage ?? null).toBeNull();
  });

  it('rejects a wrong key with 401 in the OpenAI envelope', async () => {
    const bad = new OpenAI({ baseURL, apiKey: 'sk-assay-wrong', maxRetries: 0 });
    await expect(bad.chat.completions.create({ model: 'mock-large', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 401,
      code: 'invalid_api_key',
      type: 'invalid_request_error',
    });
  });

  it('rejects an unknown model with 404 model_not_found', async () => {
    await expect(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
      param: 'model',
    });
  });

  it('rejects missing messages with 400 naming the parameter', async () => {
    await expect(client.chat.completions.create({ model: 'mock-large' } as never)).rejects.toMatchObject({ status: 400, param: 'messages' });
  });

  it('rejects malformed JSON with 400 and an OpenAI error body', async () => {
    const res = await fetch(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: '{"model": "mock-large", "messages": [',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/parse the JSON body/);
  });

  it('charges a request once when two upstream attempts failed, and records all three attempts', async () => {
    mock.setConfig({ models: { ...E2E_MOCK_CONFIG.models, 'flaky-model': { failFirst: 2, errorStatus: 500 } } });
    const { response } = await client.chat.completions.create({ model: 'mock-flaky', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.headers.get('x-assay-attempts')).toBe('3');
    const rows = await eventually(() => usageRows(response.headers.get('x-request-id')!), (r) => r.length >= 4);
    expect(rows.filter((r) => r.kind === 'request')).toHaveLength(1);
    expect(rows.filter((r) => r.kind === 'attempt').map((r) => [r.attempt, r.status]).sort()).toEqual([
      [1, 'upstream_error'],
      [2, 'upstream_error'],
      [3, 'ok'],
    ]);
  });

  it('debits credits once for a retried request, and books the cost of all its attempts against it', async () => {
    mock.setConfig({ models: { ...E2E_MOCK_CONFIG.models, 'flaky-model': { failFirst: 2, errorStatus: 500 } } });
    const { response } = await client.chat.completions.create({ model: 'mock-flaky', messages: [{ role: 'user', content: 'bill me' }] }).withResponse();
    const requestId = response.headers.get('x-request-id')!;
    const [charge] = await eventually(
      () => db.query(`SELECT credits::text, cogs_pico::text, attempts_costed FROM billing.request_charges WHERE request_id = $1`, [requestId]),
      (rows: Array<{ attempts_costed: number; credits: string; cogs_pico: string }>) => rows.length === 1 && rows[0].attempts_costed === 3 && rows[0].credits !== '0',
    );
    const entries: Array<{ account: string; amount: string }> = await db.query(`SELECT account, amount::text FROM billing.ledger_entries WHERE request_id = $1 ORDER BY account`, [requestId]);
    expect(entries).toEqual([
      { account: 'platform:revenue', amount: charge.credits },
      { account: `tenant:${tenantId}:available`, amount: `-${charge.credits}` },
    ]);
    // Metering and billing consume the attempts independently, so metering may not have all three yet.
    const attempts = await eventually(
      () => usageRows(requestId),
      (r) => r.filter((row) => row.kind === 'attempt').length === 3,
    );
    const cost = attempts.filter((r) => r.kind === 'attempt').reduce((sum, r) => sum + r.costPico, 0n);
    expect(charge.cogs_pico).toBe(cost.toString());
  });

  it('publishes ledger entries as JSON on the finance topic, readable by a plain Kafka consumer', async () => {
    const { response } = await client.chat.completions.create({ model: 'mock-small', messages: [{ role: 'user', content: 'finance' }] }).withResponse();
    const requestId = response.headers.get('x-request-id')!;
    const kafka = new Kafka({ clientId: 'e2e-finance', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `e2e-finance-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [Topics.ledgerEntry], fromBeginning: true });
    const seen: Array<Record<string, string>> = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const entry = JSON.parse(message.value!.toString('utf8'));
          if (entry.requestId === requestId) seen.push(entry);
          if (seen.length === 2) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(seen.map((e) => e.schema)).toEqual(['assay.ledger.entry.v1', 'assay.ledger.entry.v1']);
    expect(seen.reduce((sum, e) => sum + BigInt(e.amount), 0n)).toBe(0n);
    expect(seen.every((e) => e.kind === 'usage' && e.tenantId === tenantId)).toBe(true);
  });

  it('grants credits and reports balances and margins over the billing API', async () => {
    const admin = { authorization: `Bearer ${E2E_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const { response } = await client.chat.completions.create({ model: 'mock-small', messages: [{ role: 'user', content: 'spend' }] }).withResponse();
    const requestId = response.headers.get('x-request-id')!;
    await eventually(() => db.query(`SELECT 1 FROM billing.ledger_entries WHERE request_id = $1`, [requestId]), (rows: unknown[]) => rows.length === 2);
    const granted = await fetch(`${billingBase}/grants`, { method: 'POST', headers: admin, body: JSON.stringify({ tenant_id: tenantId, credits: '100', grant_id: `welcome-${tenantId}` }) });
    expect(granted.status).toBe(201);
    const again = await fetch(`${billingBase}/grants`, { method: 'POST', headers: admin, body: JSON.stringify({ tenant_id: tenantId, credits: '100', grant_id: `welcome-${tenantId}` }) });
    expect(((await again.json()) as { posted: boolean }).posted).toBe(false);
    const balance = (await (await fetch(`${billingBase}/tenants/${tenantId}/balance`, { headers: admin })).json()) as { accounts: Record<string, string> };
    const available = BigInt(balance.accounts[`tenant:${tenantId}:available`]);
    const [{ debited }] = await db.query(`SELECT sum(amount)::text AS debited FROM billing.ledger_entries WHERE account = $1 AND kind = 'usage'`, [`tenant:${tenantId}:available`]);
    expect(BigInt(debited)).toBeLessThan(0n);
    expect(available).toBe(100_000_000n + BigInt(debited)); // the grant, less what this tenant's requests used
    const csv = await (await fetch(`${billingBase}/reports/margin?group_by=model&tenant_id=${tenantId}&format=csv`, { headers: admin })).text();
    expect(csv.split('\n')[0]).toBe('group,requests,credits,revenueUsd,cogsUsd,marginUsd,marginRatio');
    expect(csv).toMatch(/\nmock-small,\d+,\d+,[0-9.]+,[0-9.]+,/);
    expect((await fetch(`${billingBase}/tenants/${tenantId}/balance`)).status).toBe(401);
  });

  it('publishes a daily close per tenant on the finance topic, once however often the day is closed', async () => {
    const { response } = await client.chat.completions.create({ model: 'mock-small', messages: [{ role: 'user', content: 'close' }] }).withResponse();
    const requestId = response.headers.get('x-request-id')!;
    await eventually(() => db.query(`SELECT 1 FROM billing.ledger_entries WHERE request_id = $1`, [requestId]), (rows: unknown[]) => rows.length === 2);
    const today = new Date().toISOString().slice(0, 10);
    const closeDay = () =>
      spawnSync(process.execPath, ['dist/apps/admin-cli/src/main.js', 'close-day', '--date', today], {
        cwd: REPO_ROOT,
        env: { ...process.env, DATABASE_URL: infra.databaseUrl, ASSAY_CONFIG: 'config/cluster.yaml' },
        encoding: 'utf8',
      });
    expect(closeDay().status).toBe(0);
    expect(closeDay().stderr).toMatch(/: 0 new daily close event/);

    const kafka = new Kafka({ clientId: 'e2e-close', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `e2e-close-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [Topics.ledgerEntry], fromBeginning: true });
    const close = await new Promise<Record<string, unknown>>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const event = JSON.parse(message.value!.toString('utf8'));
          if (event.type === 'daily_close' && event.tenantId === tenantId && event.date === today) resolve(event);
        },
      });
    });
    await consumer.disconnect();
    const [{ balance }] = await db.query(`SELECT sum(amount)::text AS balance FROM billing.ledger_entries WHERE account = $1`, [`tenant:${tenantId}:available`]);
    expect(close).toMatchObject({ schema: 'assay.ledger.daily-close.v1', closingBalance: balance });
    expect(BigInt((close.movements as Record<string, string>).usage)).toBeLessThan(0n);
  });

  it('finds nothing to reconcile after all of the above: aggregates match records, every ledger transaction balances', async () => {
    const reconcile = spawnSync(process.execPath, ['dist/apps/admin-cli/src/main.js', 'reconcile'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: infra.databaseUrl, ASSAY_CONFIG: 'config/cluster.yaml' },
      encoding: 'utf8',
    });
    expect(reconcile.stderr).toMatch(/0 difference\(s\) in usage aggregates, 0 unbalanced ledger transaction\(s\)/);
    expect(reconcile.status).toBe(0);
  });

  apiConformanceTests(() => ({ httpBase: baseURL.replace(/\/v1$/, ''), grpcAddress, apiKey, mockUrl: mock.url }));

  it('records a redelivered usage event only once', async () => {
    const kafka = new Kafka({ clientId: 'e2e-redelivery', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const tenantId = `tenant-${randomUUID()}`;
    const message = (eventId: string, requestId: string) => ({
      key: tenantId,
      headers: { [EVENT_ID_HEADER]: eventId },
      value: Buffer.from(
        RequestCompleted.encode({
          eventId,
          context: { requestId, tenantId, teamId: '', keyId: 'k', endUser: '', tags: {}, promptType: '', deadlineMs: 0 },
          requestedModel: 'mock-large',
          servedModel: 'mock-large',
          provider: 'mock',
          usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7, cachedTokens: 0, reasoningTokens: 0 },
          attempts: 1,
          status: 'ok',
          httpStatus: 200,
          stream: false,
          startedAtMs: Date.now(),
          latencyMs: 5,
          operation: 'chat',
          servedCostPico: '',
          deployment: 'mock/mock-large',
        }).finish(),
      ),
    });
    const duplicated = randomUUID();
    const marker = randomUUID();
    // Same key, so one partition: once the marker is recorded, both copies were consumed.
    await producer.send({ topic: Topics.requestCompleted, messages: [message(duplicated, 'dup'), message(duplicated, 'dup')] });
    await producer.send({ topic: Topics.requestCompleted, messages: [message(marker, 'marker')] });
    await producer.disconnect();

    const repo = db.getRepository(UsageRecordEntity);
    await eventually(() => repo.countBy({ eventId: marker }), (n) => n === 1);
    expect(await repo.countBy({ eventId: duplicated })).toBe(1);
  });

  it('prices with a price override recorded over the billing API from its effective time on, in every service, without a restart', async () => {
    const admin = { authorization: `Bearer ${E2E_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    // Figures of this run only (earlier runs left their own overrides of this model on the topic).
    const inputPerMTok = `${1 + (Date.now() % 997)}.25`;
    const effectiveFrom = new Date(Date.now() + 4_000);
    const put = await fetch(`${billingBase}/prices`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ provider: 'mock', model: 'negotiated-model', effective_from: effectiveFrom.toISOString(), input_per_mtok: inputPerMTok, output_per_mtok: '3' }),
    });
    expect(put.status).toBe(201);
    const ask = () => client.chat.completions.create({ model: 'mock-negotiated', messages: [{ role: 'user', content: 'What is our rate?' }] }).withResponse();
    const attemptRow = async (requestId: string) => (await eventually(() => usageRows(requestId), (r) => r.length >= 2)).find((r) => r.kind === 'attempt')!;

    const before = await ask();
    await new Promise((r) => setTimeout(r, Math.max(0, effectiveFrom.getTime() - Date.now() + 50)));
    const after = await ask();

    const early = await attemptRow(before.response.headers.get('x-request-id')!);
    expect(early.priceEffectiveFrom?.getTime()).not.toBe(effectiveFrom.getTime());
    const late = await attemptRow(after.response.headers.get('x-request-id')!);
    expect(late.priceEffectiveFrom?.toISOString()).toBe(effectiveFrom.toISOString());
    const expected = BigInt(late.promptTokens) * BigInt(inputPerMTok.replace('.', '')) * 10_000n + BigInt(late.completionTokens) * 3_000_000n;
    expect(late.costPico).toBe(expected);
    // The connector's header and billing's COGS use the same override.
    expect(after.response.headers.get('x-assay-cost')).toBe(formatUsd(expected, 9));
    const [charge] = await eventually(
      () => db.query(`SELECT cogs_pico::text AS cogs FROM billing.request_charges WHERE request_id = $1`, [after.response.headers.get('x-request-id')]),
      (rows: Array<{ cogs: string }>) => rows.length === 1 && rows[0].cogs !== '0',
    );
    expect(charge.cogs).toBe(expected.toString());
  });
});
