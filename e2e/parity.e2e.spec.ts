// The parity engine end to end in the cluster wiring: real processes, Kafka and PostgreSQL, the
// fake provider standing in for two models. The cheap model answers exactly as the baseline on
// invoice triage and differently on memo routing; the first is proven and promoted, the second
// never, and when the cheap model drifts (its behaviour changed at run time) it is demoted.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import type { DataSource } from 'typeorm';
import { startMockProvider, type MockConfig } from '@assay/mock-llm';
import { openDatabase } from '@assay/platform';
import { issueVirtualKey, tenancyDatabase } from '@assay/tenancy';
import { parityDatabase } from '@assay/evaluation';
import { eventually, localInfra, REPO_ROOT, startService, type ServiceProcess } from '@assay/testing';
import { E2E_ADMIN_TOKEN, writeClusterConfig } from './cluster-config';

const MODELS_YAML = `providers:
  mock: { kind: openai-compatible, baseUrl: MOCK/v1 }
models:
  - { name: big-model, provider: mock, upstreamModel: parity-big }
  - { name: small-model, provider: mock, upstreamModel: parity-small }
priceOverrides:
  - { provider: mock, model: parity-big, effectiveFrom: '2025-01-01T00:00:00Z', inputPerMTok: '2.5', outputPerMTok: '10' }
  - { provider: mock, model: parity-small, effectiveFrom: '2025-01-01T00:00:00Z', inputPerMTok: '0.15', outputPerMTok: '0.6' }
`;

/** The cheap model matches the baseline only on prompts that mention an invoice. */
const MATCHES_ON_INVOICES: MockConfig = { models: { 'parity-small': { answerAs: { model: 'parity-big', whenPromptContains: 'invoice' } } } };

const triageSchema = {
  type: 'object',
  properties: { queue: { type: 'string', enum: ['billing', 'refunds', 'fraud', 'other'] }, priority: { type: 'integer', minimum: 1, maximum: 5 } },
  required: ['queue', 'priority'],
  additionalProperties: false,
};

function invoiceTriage(n: number): OpenAI.ChatCompletionCreateParamsNonStreaming {
  return {
    model: 'big-model',
    messages: [
      { role: 'system', content: 'You triage customer emails about an invoice into a support queue.' },
      { role: 'user', content: `Customer #${1000 + n} writes: "My invoice INV-${7000 + n} shows ${n + 3} seats but we only have ${n + 1}."` },
    ],
    response_format: { type: 'json_schema', json_schema: { name: 'triage', schema: triageSchema, strict: true } },
  };
}

function memoRouting(n: number): OpenAI.ChatCompletionCreateParamsNonStreaming {
  return {
    model: 'big-model',
    messages: [
      { role: 'system', content: 'You route internal memos to the department that must act on them.' },
      { role: 'user', content: `Memo ${n}: the office on floor ${n % 9} needs ${n + 2} new chairs by Friday.` },
    ],
    response_format: { type: 'json_schema', json_schema: { name: 'routing', schema: triageSchema, strict: true } },
  };
}

interface PromptTypeStatus {
  prompt_type: string;
  skeleton: string;
  status: string;
  serving_model: string | null;
  candidate_status: string | null;
  comparisons: number;
  wins: number;
  ties: number;
  losses: number;
  lower_bound: number | null;
  candidates: Array<{ model: string; status: string; n: number; losses: number; driftComparisons: number }>;
  requests: number;
  served_by_candidate: number;
  eval_spend_usd: string;
  net_savings_usd: string;
}

describe('parity engine (cluster wiring)', () => {
  const infra = localInfra();
  let mock: Awaited<ReturnType<typeof startMockProvider>>;
  let db: DataSource;
  let services: ServiceProcess[] = [];
  let client: OpenAI;
  let tenantId: string;
  let parityBase: string;
  let configPath: string;

  beforeAll(async () => {
    mock = await startMockProvider({ port: 0, config: MATCHES_ON_INVOICES });
    db = await openDatabase(infra.databaseUrl, [tenancyDatabase, parityDatabase], 'assay-e2e-parity');
    const issued = await issueVirtualKey(db, `parity-${randomUUID()}`);
    tenantId = issued.tenantId;
    const { path, ports } = await writeClusterConfig(mock.url, infra.kafkaBrokers, {
      modelsYaml: MODELS_YAML,
      // Decided prompt types are sampled at 100% too, so drift shows within a few requests.
      parityYaml: `  tenants:\n    ${JSON.stringify(tenantId)}: { candidates: [small-model], sampleRateDecided: 1, evalBudgetUsdPerDay: '5' }\n`,
    });
    configPath = path;
    const env = { ASSAY_CONFIG: path, DATABASE_URL: infra.databaseUrl, KAFKA_BROKERS: infra.kafkaBrokers.join(',') };
    services = await Promise.all([
      startService('provider-connector', env, 'listening'),
      startService('router', env, 'listening'),
      startService('evaluator', env, 'consuming'),
      startService('ingress', env, 'listening'),
    ]);
    client = new OpenAI({ baseURL: `http://127.0.0.1:${ports.http}/v1`, apiKey: issued.key, maxRetries: 0 });
    parityBase = `http://127.0.0.1:${ports.parity}/v1/parity/tenants/${encodeURIComponent(tenantId)}`;
  });

  afterAll(async () => {
    const codes = await Promise.all(services.map((s) => s.stop()));
    await db?.destroy();
    await mock?.close();
    expect(codes.every((c) => c === 0)).toBe(true);
  });

  async function statuses(): Promise<PromptTypeStatus[]> {
    const response = await fetch(`${parityBase}/prompt-types`, { headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: PromptTypeStatus[] }).data;
  }

  async function statusOf(skeletonWord: string): Promise<PromptTypeStatus | undefined> {
    return (await statuses()).find((s) => s.skeleton.includes(skeletonWord));
  }

  /** Sends requests one after another, so each comparison is judged in order (a few at a time would do too). */
  async function send(make: (n: number) => OpenAI.ChatCompletionCreateParamsNonStreaming, from: number, count: number): Promise<string[]> {
    const served: string[] = [];
    for (let n = from; n < from + count; n++) {
      const { data, response } = await client.chat.completions.create(make(n)).withResponse();
      JSON.parse(data.choices[0]!.message.content!);
      served.push(response.headers.get('x-assay-model')!);
    }
    return served;
  }

  async function streamAnswer(body: OpenAI.ChatCompletionCreateParamsNonStreaming): Promise<{ content: string; models: string[] }> {
    const stream = await client.chat.completions.create({ ...body, stream: true });
    let content = '';
    const models = new Set<string>();
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta?.content ?? '';
      models.add(chunk.model);
    }
    return { content, models: [...models] };
  }

  it('promotes the cheap model on the prompt type where it matches the baseline, and never on the one where it does not', async () => {
    await Promise.all([send(invoiceTriage, 0, 60), send(memoRouting, 0, 60)]);
    const invoices = await eventually(() => statusOf('invoice'), (s) => s?.status === 'promoted', 60_000);
    expect(invoices).toMatchObject({ serving_model: 'small-model', candidate_status: 'promoted', losses: 0, wins: 0 });
    expect(invoices!.comparisons).toBeGreaterThanOrEqual(30);
    // Promotion happens when the lower 95% bound reaches the non-inferiority level (1 − δ)/2 = 0.45.
    expect(invoices!.lower_bound).toBeGreaterThanOrEqual(0.45);
    // Clearly worse: the futility test rejects it after the minimum comparisons, and no candidate is left.
    const memos = await eventually(() => statusOf('memo'), (s) => s?.status === 'exhausted', 60_000);
    expect(memos!.candidates[0]!.status).toBe('rejected');
    expect(memos!.serving_model).toBe('big-model');
    expect(memos!.candidates[0]!.status).not.toBe('promoted');
    expect(memos!.candidates[0]!.losses).toBeGreaterThan(20);

    // The operator's view of the same, from the admin CLI.
    const cli = spawnSync(process.execPath, ['dist/apps/admin-cli/src/main.js', 'parity', 'status', '--tenant', tenantId], {
      cwd: REPO_ROOT,
      env: { ...process.env, ASSAY_CONFIG: configPath },
      encoding: 'utf8',
    });
    expect(cli.status).toBe(0);
    const rows = cli.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^prompt type\s+status\s+serving\s+candidate\s+W\/T\/L/);
    expect(rows.find((r) => r.startsWith(invoices!.prompt_type))).toMatch(/promoted\s+small-model\s+small-model\s+0\/\d+\/0/);
    expect(rows.find((r) => r.startsWith(memos!.prompt_type))).toMatch(/exhausted\s+big-model/);
  });

  it('serves the promoted prompt type with the cheap model within a second, and the other one with the baseline', async () => {
    const served = await eventually(() => send(invoiceTriage, 100, 1), (models) => models[0] === 'small-model', 5_000);
    expect(served).toEqual(['small-model']);
    expect(await send(memoRouting, 100, 3)).toEqual(['big-model', 'big-model', 'big-model']);
    // A streamed structured request on the candidate is held until it validates, then released whole.
    const streamed = await streamAnswer(invoiceTriage(101));
    expect(Object.keys(JSON.parse(streamed.content) as object).sort()).toEqual(['priority', 'queue']);
    expect(streamed.models.some((m) => m.includes('small'))).toBe(true);
    const invoices = await eventually(() => statusOf('invoice'), (s) => (s?.served_by_candidate ?? 0) > 0);
    expect(BigInt(invoices!.eval_spend_usd.replace('.', ''))).toBeGreaterThan(0n);
  });

  it('never lets a promoted candidate’s invalid JSON reach the client: the baseline answers instead', async () => {
    mock.setConfig({ models: { 'parity-small': { ...MATCHES_ON_INVOICES.models!['parity-small'], invalidJson: 'schema_violation' } } });
    for (let n = 200; n < 203; n++) {
      const { data, response } = await client.chat.completions.create(invoiceTriage(n)).withResponse();
      const answer = JSON.parse(data.choices[0]!.message.content!) as { queue: string; priority: number };
      expect(Object.keys(answer).sort()).toEqual(['priority', 'queue']);
      expect(response.headers.get('x-assay-model')).toBe('big-model');
      expect(response.headers.get('x-assay-attempts')).toBe('2');
    }
    // Streamed: the candidate's invalid stream is never released; the baseline's stream is.
    const streamed = await streamAnswer(invoiceTriage(203));
    expect(Object.keys(JSON.parse(streamed.content) as object).sort()).toEqual(['priority', 'queue']);
    expect(streamed.models.some((m) => m.includes('small'))).toBe(false);
    // The four replaced answers reached the statistics as losses, not enough to demote yet.
    const invoices = await eventually(() => statusOf('invoice'), (s) => (s?.candidates[0]?.driftComparisons ?? 0) >= 4);
    expect(invoices!.status).toBe('promoted');
  });

  it('demotes the cheap model back to the baseline when it drifts', async () => {
    mock.setConfig({}); // the cheap model no longer answers like the baseline on invoices
    let n = 300;
    const demoted = await eventually(
      async () => {
        await send(invoiceTriage, n, 5);
        n += 5;
        return statusOf('invoice');
      },
      (s) => s?.serving_model === 'big-model',
      90_000,
    );
    expect(demoted!.candidates[0]!.status).toBe('demoted');
    const served = await eventually(() => send(invoiceTriage, 1000, 1), (models) => models[0] === 'big-model', 5_000);
    expect(served).toEqual(['big-model']);
  }, 120_000);
});
