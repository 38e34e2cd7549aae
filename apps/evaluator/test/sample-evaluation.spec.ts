// The evaluator against the real PostgreSQL and a real provider connector calling the fake
// provider: free text goes to the pairwise LLM judge in both orders, verdicts are stored once per
// sample, the daily evaluation budget holds, and a restarted evaluator carries on where it stopped.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { EvalSample, EvalVerdict, Topics } from '@assay/contracts';
import { defaultAdapters, DeploymentPool, ProviderConnector } from '@assay/connector';
import { modelPricerFromConfig, parityDatabase, ParityStore, SampleEvaluator, startEvaluation } from '@assay/evaluation';
import { InProcessBus, type BusEvent } from '@assay/messaging';
import { CatalogPricer, livePriceCatalog } from '@assay/metering';
import { startMockProvider, type MockProvider } from '@assay/mock-llm';
import { parityPoliciesFromConfig } from '@assay/parity';
import { AssayConfigSchema, openDatabase, type AssayConfig } from '@assay/platform';
import { loadDefaultCatalog } from '@assay/pricing';
import { localInfra } from '@assay/testing';

const question = { model: 'big-model', messages: [{ role: 'system', content: 'You write friendly release notes.' }, { role: 'user', content: 'Summarise: faster start-up, fewer crashes.' }] };

function configFor(mockUrl: string, tenants: Record<string, Record<string, unknown>>): AssayConfig {
  return AssayConfigSchema.parse({
    providers: { mock: { kind: 'openai-compatible', baseUrl: `${mockUrl}/v1` } },
    models: [
      { name: 'big-model', provider: 'mock', upstreamModel: 'parity-big' },
      { name: 'small-model', provider: 'mock', upstreamModel: 'parity-small' },
      { name: 'tiny-model', provider: 'mock', upstreamModel: 'parity-tiny' },
      { name: 'judge-model', provider: 'mock', upstreamModel: 'parity-judge' },
      { name: 'garbled-judge', provider: 'mock', upstreamModel: 'parity-garbled' },
    ],
    priceOverrides: [
      { provider: 'mock', model: 'parity-big', effectiveFrom: '2025-01-01T00:00:00Z', inputPerMTok: '2.5', outputPerMTok: '10' },
      { provider: 'mock', model: 'parity-small', effectiveFrom: '2025-01-01T00:00:00Z', inputPerMTok: '0.15', outputPerMTok: '0.6' },
      { provider: 'mock', model: 'parity-tiny', effectiveFrom: '2025-01-01T00:00:00Z', inputPerMTok: '0.05', outputPerMTok: '0.1' },
      { provider: 'mock', model: 'parity-judge', effectiveFrom: '2025-01-01T00:00:00Z', inputPerMTok: '1', outputPerMTok: '1' },
      { provider: 'mock', model: 'parity-garbled', effectiveFrom: '2025-01-01T00:00:00Z', inputPerMTok: '1', outputPerMTok: '1' },
    ],
    parity: { tenants },
  });
}

function sampleFor(tenantId: string, served = 'The release is faster and crashes less.'): EvalSample {
  return {
    eventId: randomUUID(),
    context: { requestId: randomUUID(), tenantId, teamId: '', keyId: 'k', endUser: '', tags: {}, promptType: 'release-notes', deadlineMs: 0 },
    promptType: 'release-notes',
    requestBody: Buffer.from(JSON.stringify(question)),
    servedModel: 'big-model',
    servedMessage: Buffer.from(JSON.stringify({ role: 'assistant', content: served })),
    servedUsage: { promptTokens: 30, completionTokens: 12, totalTokens: 42, cachedTokens: 0, reasoningTokens: 0 },
    baselineModel: 'big-model',
    atMs: Date.now(),
    candidateOutputInvalid: false,
    invalidCandidate: '',
  };
}

describe('sample evaluation', () => {
  let db: DataSource;
  let mock: MockProvider;
  let bus: InProcessBus;
  const published: BusEvent[] = [];

  beforeAll(async () => {
    db = await openDatabase(localInfra().databaseUrl, [parityDatabase], 'evaluator-test');
    // A judge that always prefers whatever it is shown first: position bias, which the two orders cancel.
    mock = await startMockProvider({ port: 0, config: { models: { 'parity-judge': { reply: '{"verdict":"A"}' }, 'parity-garbled': { reply: 'I think the first one.' } } } });
    bus = new InProcessBus({ batchWindowMs: 1 });
    await bus.subscribeBatch('test', [Topics.evalVerdict, Topics.parityDecision], async (events) => void published.push(...events));
  });
  afterAll(async () => {
    await bus?.close();
    await mock?.close();
    await db?.destroy();
  });

  function evaluatorFor(config: AssayConfig): SampleEvaluator {
    const pricer = CatalogPricer.fromConfig(loadDefaultCatalog(), config);
    const connector = new ProviderConnector(new DeploymentPool(config), defaultAdapters(), bus, config.reliability, Date.now, Math.random, pricer);
    const models = new Set(config.models.map((m) => m.name));
    return new SampleEvaluator({
      store: new ParityStore(db),
      connector,
      policies: parityPoliciesFromConfig(config.parity),
      priceModel: modelPricerFromConfig(config),
      events: bus,
      isRoutable: (m) => models.has(m),
    });
  }

  it('judges free text with the LLM judge in both orders, scoring a position-biased judge as a tie', async () => {
    const tenantId = `eval-${randomUUID()}`;
    const evaluator = evaluatorFor(configFor(mock.url, { [tenantId]: { candidates: ['small-model'], judgeModel: 'judge-model' } }));
    await evaluator.start();
    mock.resetRequests();
    const sample = sampleFor(tenantId);
    expect(await evaluator.onEvalSample(sample)).toBe('judged');

    const [verdict] = await new ParityStore(db).verdicts(tenantId, 'release-notes', 10);
    expect(verdict).toMatchObject({ sampleId: sample.eventId, candidateModel: 'small-model', score: 0.5, judge: 'llm', judgeModel: 'judge-model', counted: true });
    expect(verdict.detail).toBe('baseline shown as A: A; candidate shown as A: A');
    // Replay on the candidate plus two judge calls, each priced; the customer pays for none of it.
    expect(verdict.evalCostPico).toBeGreaterThan(0n);
    const calls = mock.requests().map((r) => (r.body as { model: string }).model);
    expect(calls.sort()).toEqual(['parity-judge', 'parity-judge', 'parity-small']);
    const judgePrompts = mock.requests().filter((r) => (r.body as { model: string }).model === 'parity-judge').map((r) => JSON.stringify(r.body));
    const candidateAnswer = (mock.requests().find((r) => (r.body as { model: string }).model === 'parity-small')!.body as { messages: unknown[] }).messages.length;
    expect(candidateAnswer).toBe(2);
    for (const prompt of judgePrompts) expect(prompt).toContain('The release is faster and crashes less.');

    await bus.flush();
    const verdictEvent = published.map((e) => (e.topic === Topics.evalVerdict ? EvalVerdict.decode(e.value) : null)).find((v) => v?.sampleId === sample.eventId);
    expect(verdictEvent).toMatchObject({ tenantId, score: 0.5, judge: 'llm' });
    expect(evaluator.view(tenantId, 'release-notes')!.candidates[0]).toMatchObject({ model: 'small-model', status: 'qualifying', n: 1, ties: 1 });
  });

  it('judges a redelivered sample only once', async () => {
    const tenantId = `eval-${randomUUID()}`;
    const evaluator = evaluatorFor(configFor(mock.url, { [tenantId]: { candidates: ['small-model'], judgeModel: 'judge-model' } }));
    await evaluator.start();
    const sample = sampleFor(tenantId);
    expect(await evaluator.onEvalSample(sample)).toBe('judged');
    expect(await evaluator.onEvalSample(sample)).toBe('duplicate');
    expect(await new ParityStore(db).verdicts(tenantId, 'release-notes', 10)).toHaveLength(1);
    expect(evaluator.view(tenantId, 'release-notes')!.candidates[0].n).toBe(1);
  });

  it('skips a comparison whose judge answer is unreadable instead of counting it as a tie', async () => {
    const tenantId = `eval-${randomUUID()}`;
    const evaluator = evaluatorFor(configFor(mock.url, { [tenantId]: { candidates: ['small-model'], judgeModel: 'garbled-judge' } }));
    await evaluator.start();
    expect(await evaluator.onEvalSample(sampleFor(tenantId))).toBe('unjudgeable');
    expect(await new ParityStore(db).verdicts(tenantId, 'release-notes', 10)).toHaveLength(0);
    expect(evaluator.view(tenantId, 'release-notes')!.candidates[0].n).toBe(0);
  });

  it('never replays beyond the daily evaluation budget', async () => {
    const tenantId = `eval-${randomUUID()}`;
    const budgetPico = 1_000_000_000n; // $0.001: a few comparisons with this judge, not ten
    const evaluator = evaluatorFor(configFor(mock.url, { [tenantId]: { candidates: ['small-model'], judgeModel: 'judge-model', evalBudgetUsdPerDay: '0.001' } }));
    await evaluator.start();
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) outcomes.push(await evaluator.onEvalSample(sampleFor(tenantId)));
    const judged = outcomes.filter((o) => o === 'judged').length;
    expect(judged).toBeGreaterThan(0);
    // Once the budget is used up every further sample is skipped before any upstream call.
    expect(outcomes).toEqual([...Array(judged).fill('judged'), ...Array(10 - judged).fill('over-budget')]);
    const spent = (await new ParityStore(db).verdicts(tenantId, 'release-notes', 10)).reduce((sum, v) => sum + v.evalCostPico, 0n);
    expect(spent).toBeLessThanOrEqual(budgetPico);
  });

  it('carries on after a restart from the stored qualification', async () => {
    const tenantId = `eval-${randomUUID()}`;
    const config = configFor(mock.url, { [tenantId]: { candidates: ['small-model'], judgeModel: 'judge-model' } });
    const first = evaluatorFor(config);
    await first.start();
    for (let i = 0; i < 3; i++) await first.onEvalSample(sampleFor(tenantId));
    const second = evaluatorFor(config);
    await second.start();
    expect(second.view(tenantId, 'release-notes')).toEqual(first.view(tenantId, 'release-notes'));
    expect(await second.onEvalSample(sampleFor(tenantId))).toBe('judged');
    expect(second.view(tenantId, 'release-notes')!.candidates[0].n).toBe(4);
  });

  it('requalifies by itself when a cheaper model joins the allowed candidates', async () => {
    const tenantId = `eval-${randomUUID()}`;
    const before = evaluatorFor(configFor(mock.url, { [tenantId]: { candidates: ['small-model'], judgeModel: 'judge-model' } }));
    await before.start();
    await before.onEvalSample(sampleFor(tenantId));
    // A model cheaper than the one being qualified joins the menu: it is tried first (cheapest first).
    const after = evaluatorFor(configFor(mock.url, { [tenantId]: { candidates: ['small-model', 'tiny-model'], judgeModel: 'judge-model' } }));
    await after.start();
    mock.resetRequests();
    expect(await after.onEvalSample(sampleFor(tenantId))).toBe('judged');
    expect(mock.requests().some((r) => (r.body as { model: string }).model === 'parity-tiny')).toBe(true);
    const view = after.view(tenantId, 'release-notes')!;
    expect(view.candidates.map((c) => [c.model, c.status, c.n])).toEqual([
      ['tiny-model', 'qualifying', 1],
      ['small-model', 'waiting', 0],
    ]);
    const decisions = await new ParityStore(db).decisions(tenantId, 'release-notes');
    expect(decisions.map((d) => [d.status, d.candidate])).toEqual([
      ['qualifying', 'small-model'],
      ['qualifying', 'tiny-model'],
    ]);
  });

  it('skips an undecodable message on the sample topic and judges the samples after it', async () => {
    const tenantId = `eval-${randomUUID()}`;
    const config = configFor(mock.url, { [tenantId]: { candidates: ['small-model'], judgeModel: 'judge-model' } });
    const samples = new InProcessBus({ batchWindowMs: 1 });
    const pricer = CatalogPricer.fromConfig(loadDefaultCatalog(), config);
    const connector = new ProviderConnector(new DeploymentPool(config), defaultAdapters(), samples, config.reliability, Date.now, Math.random, pricer);
    const evaluation = await startEvaluation({ db, config: { ...config, parity: { ...config.parity, port: 0 } }, connector, events: samples, subscriber: samples, prices: livePriceCatalog(config) });
    try {
      samples.publish({ topic: Topics.evalSample, key: tenantId, id: randomUUID(), value: Buffer.from('not a protobuf message') });
      const sample = sampleFor(tenantId);
      samples.publish({ topic: Topics.evalSample, key: tenantId, id: sample.eventId, value: EvalSample.encode(sample).finish() });
      await samples.flush();
      expect((await new ParityStore(db).verdicts(tenantId, 'release-notes', 10)).map((v) => v.sampleId)).toEqual([sample.eventId]);
    } finally {
      await evaluation.close();
      await samples.close();
    }
  });
});
