import { EvalSample, type ChatRequest, type ParityDecision } from '@assay/contracts';
import type { BusEvent, EventPublisher } from '@assay/messaging';
import { ParityRouting } from './parity-routing';

class RecordingPublisher implements EventPublisher {
  readonly events: BusEvent[] = [];
  publish(event: BusEvent): void {
    this.events.push(event);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

const body = { model: 'big', messages: [{ role: 'system', content: 'Classify the ticket.' }, { role: 'user', content: 'My card was charged twice.' }] };

function request(tenantId: string, promptType = ''): ChatRequest {
  return {
    context: { requestId: 'r1', tenantId, teamId: '', keyId: 'k', endUser: '', tags: {}, promptType, deadlineMs: 0 },
    model: 'big',
    stream: false,
    openaiBody: Buffer.from(JSON.stringify(body)),
  };
}

function decision(overrides: Partial<ParityDecision>): ParityDecision {
  return {
    eventId: 'e',
    tenantId: 'acme',
    promptType: 'triage',
    baselineModel: 'big',
    candidateModel: 'small',
    servingModel: 'small',
    status: 'promoted',
    comparisons: 41,
    lowerBound: 0.46,
    reason: '',
    atMs: 1000,
    routeStatus: 'promoted',
    ...overrides,
  };
}

describe('ParityRouting', () => {
  const policies = { tenants: { acme: { candidates: ['small'], sampleRateQualifying: 1, sampleRateDecided: 0 } } };

  it('leaves tenants without a parity policy alone', () => {
    expect(new ParityRouting(policies, new RecordingPublisher(), () => true).plan(request('other'))).toBeNull();
  });

  it('serves a promoted prompt type with its candidate, and samples at the decided rate', () => {
    const routing = new ParityRouting(policies, new RecordingPublisher(), () => true);
    expect(routing.plan(request('acme', 'triage'))).toMatchObject({ promptType: 'triage', servingModel: 'big', promoted: false, sampled: true });
    routing.applyDecision(decision({}));
    expect(routing.plan(request('acme', 'triage'))).toMatchObject({ servingModel: 'small', promoted: true, sampled: false, structured: false });
  });

  it('never lets an older decision that arrives late override a newer one', () => {
    const routing = new ParityRouting(policies, new RecordingPublisher(), () => true);
    routing.applyDecision(decision({ atMs: 2000, status: 'demoted', servingModel: 'big', routeStatus: 'qualifying' }));
    routing.applyDecision(decision({ atMs: 1000 }));
    expect(routing.plan(request('acme', 'triage'))!.servingModel).toBe('big');
  });

  it('ignores a promotion to a model this router cannot call', () => {
    const routing = new ParityRouting(policies, new RecordingPublisher(), (m) => m === 'big');
    routing.applyDecision(decision({}));
    expect(routing.plan(request('acme', 'triage'))!.servingModel).toBe('big');
  });

  it('fingerprints unlabelled requests and publishes samples with the answer the client got', () => {
    const events = new RecordingPublisher();
    const routing = new ParityRouting(policies, events, () => true);
    const plan = routing.plan(request('acme'))!;
    expect(plan.promptType).toMatch(/^pt_[0-9a-f]{16}$/);
    routing.publishSample(request('acme').context, plan, { servedModel: 'big', message: { role: 'assistant', content: 'billing' } }, Buffer.from(JSON.stringify(body)));
    const sample = EvalSample.decode(events.events[0].value);
    expect(sample).toMatchObject({ promptType: plan.promptType, servedModel: 'big', baselineModel: 'big', candidateOutputInvalid: false });
    expect(JSON.parse(Buffer.from(sample.servedMessage).toString())).toEqual({ role: 'assistant', content: 'billing' });
  });
});
