// Reliability of the hot path, provoked with the fake provider's fault injection over real HTTP:
// retries, Retry-After, fallbacks, breakers, key rotation, deadlines and cancellation, and that
// a request is reported (charged) once however many upstream attempts it took.
import { randomUUID } from 'node:crypto';
import { ProviderAttempt, RequestCompleted, Topics, type ChatRequest } from '@assay/contracts';
import { InProcessBus } from '@assay/messaging';
import { startMockProvider, type MockConfig } from '@assay/mock-llm';
import { AssayConfigSchema, type AssayError } from '@assay/platform';
import { ModelRouter } from '@assay/routing';
import { defaultAdapters } from './adapter-registry';
import { DeploymentPool } from './deployment-pool';
import { ProviderConnector } from './provider-connector';

type Mock = Awaited<ReturnType<typeof startMockProvider>>;

interface Harness {
  mock: Mock;
  router: ModelRouter;
  attempts: ProviderAttempt[];
  completed: RequestCompleted[];
  bus: InProcessBus;
  clock: { now: number };
}

const mocks: Mock[] = [];
afterAll(async () => {
  await Promise.all(mocks.map((m) => m.close()));
});

/** Builds connector + router on an in-process bus against a fresh mock provider. */
async function harness(setup: { models: unknown[]; providers?: Record<string, unknown>; reliability?: unknown; routing?: unknown; mock?: MockConfig; fakeClock?: boolean }): Promise<Harness> {
  const mock = await startMockProvider({ port: 0, config: setup.mock ?? {} });
  mocks.push(mock);
  const providers = JSON.parse(JSON.stringify(setup.providers ?? {}).replaceAll('MOCK', mock.url));
  const config = AssayConfigSchema.parse({
    providers: { mock: { kind: 'openai-compatible', baseUrl: `${mock.url}/v1` }, ...providers },
    models: setup.models,
    routing: setup.routing,
    reliability: { maxAttemptsPerModel: 3, backoff: { baseMs: 1, maxMs: 20 }, ...(setup.reliability as object) },
  });
  const bus = new InProcessBus();
  const attempts: ProviderAttempt[] = [];
  const completed: RequestCompleted[] = [];
  await bus.subscribe('test', [Topics.providerAttempt, Topics.requestCompleted], async (e) => {
    if (e.topic === Topics.providerAttempt) attempts.push(ProviderAttempt.decode(e.value));
    else completed.push(RequestCompleted.decode(e.value));
  });
  const clock = { now: Date.now() };
  const connector = new ProviderConnector(new DeploymentPool(config), defaultAdapters(), bus, config.reliability, setup.fakeClock ? () => clock.now : Date.now);
  return { mock, router: new ModelRouter(config, connector, bus), attempts, completed, bus, clock };
}

function chat(model: string, options: { stream?: boolean; deadlineMs?: number; tenantId?: string } = {}): ChatRequest {
  return {
    context: { requestId: randomUUID(), tenantId: options.tenantId ?? 't1', teamId: '', keyId: 'k1', endUser: '', tags: {}, promptType: '', deadlineMs: options.deadlineMs ?? 0 },
    model,
    stream: options.stream ?? false,
    openaiBody: Buffer.from(JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }], stream: options.stream ?? false })),
  };
}

async function failure(promise: Promise<unknown>): Promise<AssayError> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (err: AssayError) => err,
  );
}

describe('hot-path reliability', () => {
  it('charges a request once when the first two attempts fail, and records all three attempts', async () => {
    const h = await harness({ models: [{ name: 'm', provider: 'mock' }], mock: { models: { m: { failFirst: 2, errorStatus: 500 } } } });
    const response = await h.router.chat(chat('m'));
    await h.bus.flush();

    expect(response.outcome!.attempts).toBe(3);
    expect(h.attempts.map((a) => [a.attempt, a.status, a.httpStatus])).toEqual([
      [1, 'upstream_error', 500],
      [2, 'upstream_error', 500],
      [3, 'ok', 200],
    ]);
    expect(h.completed).toHaveLength(1);
    expect(h.completed[0]).toMatchObject({ attempts: 3, status: 'ok', servedModel: 'm' });
    expect(h.completed[0].usage!.completionTokens).toBe(h.attempts[2].usage!.completionTokens);
  });

  it('waits as long as Retry-After asks before trying a throttled deployment again', async () => {
    const h = await harness({
      models: [{ name: 'm', provider: 'mock' }],
      reliability: { backoff: { baseMs: 1, maxMs: 2_000 } },
      mock: { models: { m: { rateLimit: { everyNth: 2, retryAfterSeconds: 1 } } } },
    });
    await h.router.chat(chat('m')); // request 1 of the model: served
    await h.router.chat(chat('m')); // request 2: 429, then request 3: served
    await h.bus.flush();
    const [throttled, retried] = h.attempts.slice(1);
    expect(throttled.httpStatus).toBe(429);
    expect(retried.status).toBe('ok');
    expect(retried.startedAtMs - throttled.startedAtMs).toBeGreaterThanOrEqual(1_000);
  });

  it('does not retry a request the provider rejected as invalid', async () => {
    const h = await harness({ models: [{ name: 'm', provider: 'mock' }], mock: { models: { m: { failFirst: 1, errorStatus: 400 } } } });
    const error = await failure(h.router.chat(chat('m')));
    await h.bus.flush();
    expect(error.status).toBe(400);
    expect(h.attempts).toHaveLength(1);
    expect(h.completed[0]).toMatchObject({ attempts: 1, httpStatus: 400 });
  });

  it('falls back to the next model when the primary keeps failing, numbering attempts across both', async () => {
    const h = await harness({
      models: [
        { name: 'big', provider: 'mock', fallbacks: ['small'] },
        { name: 'small', provider: 'mock' },
      ],
      mock: { models: { big: { errorRate: 1, errorStatus: 503 } } },
    });
    const response = await h.router.chat(chat('big'));
    await h.bus.flush();
    expect(response.outcome).toMatchObject({ servedModel: 'small', attempts: 4 });
    expect(h.attempts.map((a) => `${a.attempt}:${a.model}:${a.status}`)).toEqual(['1:big:upstream_error', '2:big:upstream_error', '3:big:upstream_error', '4:small:ok']);
    expect(h.completed).toHaveLength(1);
    expect(h.completed[0]).toMatchObject({ requestedModel: 'big', servedModel: 'small', attempts: 4 });
  });

  it("follows the tenant's own fallback chain, and another tenant's empty chain keeps its failure", async () => {
    const h = await harness({
      models: [
        { name: 'big', provider: 'mock', fallbacks: ['small'] },
        { name: 'small', provider: 'mock' },
        { name: 'other', provider: 'mock' },
      ],
      routing: { tenants: { t1: { fallbacks: { big: ['other'] } }, t2: { fallbacks: { big: [] } } } },
      reliability: { breaker: { failureThreshold: 100, cooldownMs: 30_000 } },
      mock: { models: { big: { errorRate: 1, errorStatus: 503 } } },
    });
    const response = await h.router.chat(chat('big'));
    expect(response.outcome).toMatchObject({ servedModel: 'other', attempts: 4 });
    const error = await failure(h.router.chat(chat('big', { tenantId: 't2' })));
    await h.bus.flush();
    expect(error).toMatchObject({ status: 502, attempts: 3 });
    expect(h.attempts.map((a) => `${a.attempt}:${a.model}:${a.status}`)).toEqual([
      '1:big:upstream_error',
      '2:big:upstream_error',
      '3:big:upstream_error',
      '4:other:ok',
      '1:big:upstream_error',
      '2:big:upstream_error',
      '3:big:upstream_error',
    ]);
  });

  it('falls back when the primary has not answered within its latency threshold', async () => {
    const h = await harness({
      models: [
        { name: 'slow', provider: 'mock', fallbacks: ['fast'], latencyThresholdMs: 100 },
        { name: 'fast', provider: 'mock' },
      ],
      mock: { models: { slow: { ttftMs: 5_000 } } },
    });
    const response = await h.router.chat(chat('slow'));
    await h.bus.flush();
    expect(response.outcome!.servedModel).toBe('fast');
    expect(h.attempts.map((a) => `${a.model}:${a.status}`)).toEqual(['slow:timeout', 'fast:ok']);
  });

  it('opens the circuit after repeated failures, stops calling the provider, and closes after a good probe', async () => {
    const h = await harness({
      models: [{ name: 'm', provider: 'mock' }],
      reliability: { maxAttemptsPerModel: 1, breaker: { failureThreshold: 2, cooldownMs: 10_000 } },
      mock: { models: { m: { errorRate: 1, errorStatus: 500 } } },
      fakeClock: true,
    });
    expect((await failure(h.router.chat(chat('m')))).status).toBe(502);
    expect((await failure(h.router.chat(chat('m')))).status).toBe(502);
    const open = await failure(h.router.chat(chat('m')));
    expect(open).toMatchObject({ status: 503, code: 'no_healthy_deployment' });
    expect(h.mock.requests()).toHaveLength(2);

    h.mock.setConfig({});
    h.clock.now += 10_000;
    await h.router.chat(chat('m'));
    await h.router.chat(chat('m'));
    expect(h.mock.requests()).toHaveLength(4);
  });

  it('rotates to another key when one is refused, and rests the refused key', async () => {
    const h = await harness({
      models: [{ name: 'm', provider: 'keyed' }],
      providers: { keyed: { kind: 'openai-compatible', baseUrl: 'MOCK/v1', apiKeys: ['sk-revoked', 'sk-good'] } },
      mock: { requireApiKey: 'sk-good' },
    });
    const first = await h.router.chat(chat('m'));
    const second = await h.router.chat(chat('m'));
    expect(first.outcome!.attempts).toBe(2);
    expect(second.outcome!.attempts).toBe(1);
    expect(h.mock.requests().map((r) => r.headers.authorization)).toEqual(['Bearer sk-revoked', 'Bearer sk-good', 'Bearer sk-good']);
  });

  it('spreads traffic over a model\'s deployments', async () => {
    const h = await harness({
      models: [{ name: 'm', deployments: [{ provider: 'mock', upstreamModel: 'east' }, { provider: 'mock', upstreamModel: 'west' }] }],
    });
    for (let i = 0; i < 40; i++) await h.router.chat(chat('m'));
    const byModel = new Map<string, number>();
    for (const r of h.mock.requests()) byModel.set(r.model!, (byModel.get(r.model!) ?? 0) + 1);
    expect(byModel.get('east')).toBeGreaterThan(5);
    expect(byModel.get('west')).toBeGreaterThan(5);
  });

  it('gives up with 504 when the request deadline passes while the provider hangs', async () => {
    const h = await harness({ models: [{ name: 'm', provider: 'mock' }], mock: { hang: true } });
    const error = await failure(h.router.chat(chat('m', { deadlineMs: Date.now() + 200 })));
    await h.bus.flush();
    expect(error.status).toBe(504);
    expect(h.attempts[0].status).toBe('timeout');
    expect(h.completed[0].httpStatus).toBe(504);
  });

  it('aborts the upstream call when the client goes away', async () => {
    const h = await harness({ models: [{ name: 'm', provider: 'mock' }], mock: { hang: true } });
    const abort = new AbortController();
    const pending = failure(h.router.chat(chat('m'), abort.signal));
    while (h.mock.requests().length === 0) await new Promise((r) => setTimeout(r, 5));
    abort.abort();
    expect((await pending).status).toBe(499);
    await h.bus.flush();
    expect(h.attempts.map((a) => a.status)).toEqual(['client_closed_request']);
    expect(h.completed[0].httpStatus).toBe(499);
  });

  it('never retries a stream once chunks have been handed on, and reports the failure once', async () => {
    const h = await harness({ models: [{ name: 'm', provider: 'mock' }], mock: { models: { m: { failMidStream: 3 } } } });
    const received: unknown[] = [];
    const error = await failure(
      (async () => {
        for await (const c of h.router.chatStream(chat('m', { stream: true }))) received.push(c);
      })(),
    );
    await h.bus.flush();
    expect(received.length).toBeGreaterThan(0);
    expect(error.status).toBe(502);
    expect(h.attempts).toHaveLength(1);
    expect(h.mock.requests()).toHaveLength(1);
    expect(h.completed).toHaveLength(1);
    expect(h.completed[0]).toMatchObject({ httpStatus: 502, attempts: 1 });
  });

  it('counts the tokens of a stream that reports no usage, and marks the count as estimated', async () => {
    const h = await harness({ models: [{ name: 'm', provider: 'mock', upstreamModel: 'gpt-4o-mini' }], mock: { omitStreamUsage: true } });
    let outcome;
    for await (const c of h.router.chatStream(chat('m', { stream: true }))) outcome = c.outcome ?? outcome;
    await h.bus.flush();
    expect(h.attempts[0].usageEstimated).toBe(true);
    expect(h.attempts[0].usage!.completionTokens).toBeGreaterThan(0);
    expect(h.attempts[0].usage!.promptTokens).toBeGreaterThan(0);
    expect(outcome!.usage!.completionTokens).toBe(h.attempts[0].usage!.completionTokens);
  }, 15_000);

  it('retries a stream that fails before its first chunk, and reports one request', async () => {
    const h = await harness({ models: [{ name: 'm', provider: 'mock' }], mock: { models: { m: { failFirst: 1, errorStatus: 502 } } } });
    const chunks = [];
    for await (const c of h.router.chatStream(chat('m', { stream: true }))) chunks.push(c);
    await h.bus.flush();
    expect(chunks.at(-1)!.outcome).toMatchObject({ attempts: 2, servedModel: 'm' });
    expect(h.attempts.map((a) => a.status)).toEqual(['upstream_error', 'ok']);
    expect(h.completed).toHaveLength(1);
  });
});
