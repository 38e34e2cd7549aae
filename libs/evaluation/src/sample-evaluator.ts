// The evaluator's core: for each eval sample, replay the request on the other side of the
// comparison (the active candidate while the baseline serves, the baseline while a promoted
// candidate serves), judge the pair blind, store the verdict, advance the prompt type's
// qualification and publish any decision. Replays go through the provider connector like any
// request, so every upstream call is a ProviderAttempt that metering and billing count as real
// cost; they never reach a client. Samples are handled one at a time per evaluator (the
// qualification is a sequential test), and a sample already judged is skipped.
import { randomUUID } from 'node:crypto';
import { EvalVerdict, ParityDecision as ParityDecisionEvent, Topics, type EvalSample, type RequestContext, type Usage } from '@assay/contracts';
import type { EventPublisher } from '@assay/messaging';
import {
  answerText,
  buildJudgeRequest,
  combineJudgeOrders,
  DEFAULT_JUDGE_TEMPLATE,
  EvalBudget,
  fingerprintPrompt,
  judgeStructured,
  orderCandidates,
  parseJudgeVerdict,
  PromptTypeQualification,
  questionOf,
  resolveParityPolicy,
  structuredOutputKind,
  type ComparisonScore,
  type ParityDecision,
  type ParityPolicies,
  type ParityPolicy,
} from '@assay/parity';
import { AssayError, Logger, type ConnectorPort } from '@assay/platform';
import type { ParityStore, StoredDecision, StoredVerdict } from './parity-store';

/** Prices `usage` on `model` at `atMs`, in picodollars; undefined when the catalog does not know it. */
export type ModelPricer = (model: string, usage: Usage, atMs: number) => bigint | undefined;

/**
 * Candidates are ordered by the cost of this reference request. Why fixed and not the sample's own
 * usage: the order must only change when prices change, or every sample would requalify. 1,000
 * prompt and 250 completion tokens is a typical chat-completion mix.
 */
const REFERENCE_USAGE: Usage = { promptTokens: 1000, completionTokens: 250, totalTokens: 1250, cachedTokens: 0, reasoningTokens: 0 };

/** Room reserved for the judge's verdict and any preamble it adds, in tokens. */
const JUDGE_ANSWER_TOKENS = 50;

export type SampleOutcome = 'judged' | 'duplicate' | 'no-policy' | 'no-candidate' | 'stale' | 'over-budget' | 'unjudgeable' | 'replay-failed';

export interface SampleEvaluatorDeps {
  store: ParityStore;
  connector: ConnectorPort;
  policies: ParityPolicies;
  priceModel: ModelPricer;
  events: EventPublisher;
  /** Models the connector can call (configured in `models`). */
  isRoutable: (model: string) => boolean;
  now?: () => number;
}

interface Judgement {
  score: ComparisonScore;
  judge: StoredVerdict['judge'];
  judgeModel: string;
  detail: string;
  costPico: bigint;
}

export class SampleEvaluator {
  private readonly qualifications = new Map<string, PromptTypeQualification>();
  private readonly budget: EvalBudget;
  private readonly log = new Logger('evaluator');
  private readonly now: () => number;

  constructor(private readonly deps: SampleEvaluatorDeps) {
    this.now = deps.now ?? Date.now;
    this.budget = new EvalBudget((tenantId) => resolveParityPolicy(deps.policies, tenantId)?.evalBudgetPicoPerDay ?? 0n);
  }

  /** Restores qualifications and today's evaluation spend, and republishes the latest decisions. */
  async start(): Promise<void> {
    for (const snapshot of await this.deps.store.loadQualifications()) {
      this.qualifications.set(keyOf(snapshot.tenantId, snapshot.promptType), PromptTypeQualification.restore(snapshot));
    }
    const now = this.now();
    for (const [tenantId, spent] of await this.deps.store.evalSpendSince(now - (now % 86_400_000))) this.budget.settle(tenantId, 0n, spent, now);
    for (const decision of await this.deps.store.latestDecisions()) this.publishDecision(decision);
  }

  view(tenantId: string, promptType: string) {
    return this.qualifications.get(keyOf(tenantId, promptType))?.view() ?? null;
  }

  async onEvalSample(sample: EvalSample): Promise<SampleOutcome> {
    const tenantId = sample.context?.tenantId ?? '';
    const policy = resolveParityPolicy(this.deps.policies, tenantId, sample.promptType);
    if (!policy) return 'no-policy';
    if (await this.deps.store.hasVerdict(sample.eventId)) return 'duplicate';
    const body = JSON.parse(Buffer.from(sample.requestBody).toString('utf8')) as Record<string, unknown>;
    const qualification = await this.qualificationFor(tenantId, sample, policy, body);
    const candidate = qualification.activeCandidate;
    if (!candidate) return 'no-candidate';
    const baseline = qualification.view().baseline;
    const served = JSON.parse(Buffer.from(sample.servedMessage).toString('utf8')) as unknown;

    let judgement: Judgement | null;
    let candidateModel = candidate;
    if (sample.candidateOutputInvalid) {
      candidateModel = sample.invalidCandidate;
      judgement = { score: 0, judge: 'format-guarantee', judgeModel: '', detail: 'the promoted candidate answered with output that failed validation; the baseline answered instead', costPico: 0n };
    } else {
      const replayModel = sample.servedModel === baseline ? candidate : sample.servedModel === candidate ? baseline : null;
      if (!replayModel) return 'stale';
      const estimate = this.estimateComparison(sample, body, policy, baseline, replayModel);
      if (!this.budget.reserve(tenantId, estimate, this.now())) return 'over-budget';
      let spent = 0n;
      try {
        const replay = await this.replay(sample, body, replayModel);
        spent += replay.costPico;
        const [baselineMessage, candidateMessage] = replayModel === candidate ? [served, replay.message] : [replay.message, served];
        judgement = await this.judge(sample, body, policy, baseline, baselineMessage, candidateMessage);
        if (judgement) spent += judgement.costPico;
      } catch (err) {
        // A provider outage must not stall the sample stream: this comparison is lost, not wrong.
        this.log.warn('replay or judge call failed; sample skipped', { sample: sample.eventId, error: AssayError.from(err).message });
        return 'replay-failed';
      } finally {
        this.budget.settle(tenantId, estimate, spent, this.now());
      }
      if (!judgement) return 'unjudgeable';
      judgement.costPico = spent;
    }
    await this.record(sample, qualification, candidateModel, judgement);
    return 'judged';
  }

  /**
   * What a comparison will cost, reserved before any money is spent: the replay at the served
   * answer's size, and for free text two judge calls that each read the prompt and both answers.
   * Structured output is judged in code and costs only the replay.
   */
  private estimateComparison(sample: EvalSample, body: Record<string, unknown>, policy: ParityPolicy, baseline: string, replayModel: string): bigint {
    const usage = sample.servedUsage ?? REFERENCE_USAGE;
    const at = this.now();
    const replay = this.deps.priceModel(replayModel, usage, at) ?? 0n;
    if (structuredOutputKind(body as never) !== null) return replay;
    const judgeTokens = Math.ceil((policy.judgePromptTemplate ?? DEFAULT_JUDGE_TEMPLATE).length / 4) + usage.promptTokens + 2 * usage.completionTokens;
    const judgeUsage: Usage = { promptTokens: judgeTokens, completionTokens: JUDGE_ANSWER_TOKENS, totalTokens: judgeTokens + JUDGE_ANSWER_TOKENS, cachedTokens: 0, reasoningTokens: 0 };
    return replay + 2n * (this.deps.priceModel(policy.judgeModel ?? baseline, judgeUsage, at) ?? 0n);
  }

  private async qualificationFor(tenantId: string, sample: EvalSample, policy: ParityPolicy, body: Record<string, unknown>): Promise<PromptTypeQualification> {
    const key = keyOf(tenantId, sample.promptType);
    const at = this.now();
    const baseline = policy.baseline ?? sample.baselineModel;
    const candidates = orderCandidates(
      baseline,
      policy.candidates.filter((m) => this.deps.isRoutable(m)),
      (model) => this.deps.priceModel(model, REFERENCE_USAGE, at),
    );
    let qualification = this.qualifications.get(key);
    const decisions: ParityDecision[] = [];
    if (!qualification) {
      qualification = new PromptTypeQualification({ tenantId, promptType: sample.promptType, baseline, candidates, policy, atMs: at });
      await this.deps.store.rememberPromptType(tenantId, sample.promptType, fingerprintPrompt(body as never).skeleton, body, at);
      decisions.push(startDecision(qualification, at));
    } else if (!sameList(qualification.view().candidates.map((c) => c.model), candidates)) {
      // A model joined or left the menu, or a price change reordered it: qualify afresh.
      const decision = qualification.requalify(candidates, at);
      if (decision) decisions.push(decision);
    } else {
      return qualification;
    }
    this.qualifications.set(key, qualification);
    const stored = decisions.map((d) => ({ ...d, eventId: randomUUID() }));
    await this.deps.store.saveQualification(qualification.snapshot(), stored);
    stored.forEach((d) => this.publishDecision(d));
    return qualification;
  }

  private async replay(sample: EvalSample, body: Record<string, unknown>, model: string): Promise<{ message: unknown; costPico: bigint }> {
    const { stream: _stream, stream_options: _options, ...unstreamed } = body;
    const response = await this.deps.connector.chat({
      request: { context: evalContext(sample, 'replay'), model, stream: false, openaiBody: Buffer.from(JSON.stringify({ ...unstreamed, model })) },
      targetModel: model,
      firstAttempt: 1,
    });
    return { message: firstMessage(response.openaiBody), costPico: BigInt(response.outcome?.costPico || '0') };
  }

  private async judge(sample: EvalSample, body: Record<string, unknown>, policy: ParityPolicy, baseline: string, baselineMessage: unknown, candidateMessage: unknown): Promise<Judgement | null> {
    const programmatic = judgeStructured(body as never, baselineMessage as never, candidateMessage as never);
    if (programmatic !== null) {
      return { score: programmatic, judge: 'programmatic', judgeModel: '', detail: programmaticDetail(programmatic), costPico: 0n };
    }
    // Free text: a pairwise LLM judge, both orders at once; disagreement counts as a tie.
    const judgeModel = policy.judgeModel ?? baseline;
    const question = questionOf(body as never);
    const [baselineAnswer, candidateAnswer] = [answerText(baselineMessage as never), answerText(candidateMessage as never)];
    const ask = async (answerA: string, answerB: string, order: string) => {
      const request = buildJudgeRequest({ judgeModel, template: policy.judgePromptTemplate, question, answerA, answerB });
      const response = await this.deps.connector.chat({
        request: { context: evalContext(sample, `judge-${order}`), model: judgeModel, stream: false, openaiBody: Buffer.from(JSON.stringify(request)) },
        targetModel: judgeModel,
        firstAttempt: 1,
      });
      const message = firstMessage(response.openaiBody) as { content?: string } | null;
      return { content: message?.content ?? '', costPico: BigInt(response.outcome?.costPico || '0') };
    };
    const [first, second] = await Promise.all([ask(baselineAnswer, candidateAnswer, 'ab'), ask(candidateAnswer, baselineAnswer, 'ba')]);
    const costPico = first.costPico + second.costPico;
    try {
      const [baselineFirst, candidateFirst] = [parseJudgeVerdict(first.content), parseJudgeVerdict(second.content)];
      const score = combineJudgeOrders(baselineFirst, candidateFirst);
      return { score, judge: 'llm', judgeModel, detail: `baseline shown as A: ${baselineFirst}; candidate shown as A: ${candidateFirst}`, costPico };
    } catch (err) {
      this.log.warn('unreadable judge verdict', { sample: sample.eventId, error: String(err) });
      return null;
    }
  }

  private async record(sample: EvalSample, qualification: PromptTypeQualification, candidate: string, judgement: Judgement): Promise<void> {
    const tenantId = sample.context?.tenantId ?? '';
    const at = this.now();
    const before = qualification.snapshot();
    const baseline = before.baseline;
    const counted = qualification.activeCandidate === candidate;
    const decision = counted ? qualification.recordComparison(candidate, judgement.score, at) : null;
    const verdict: StoredVerdict = {
      sampleId: sample.eventId,
      tenantId,
      promptType: sample.promptType,
      baselineModel: baseline,
      candidateModel: candidate,
      score: judgement.score,
      judge: judgement.judge,
      judgeModel: judgement.judgeModel,
      detail: judgement.detail,
      evalCostPico: judgement.costPico,
      counted,
      atMs: at,
    };
    const stored = decision ? [{ ...decision, eventId: randomUUID() }] : [];
    if (!(await this.deps.store.recordVerdict(verdict, qualification.snapshot(), stored))) {
      // Another evaluator judged this sample first: undo our in-memory update.
      this.qualifications.set(keyOf(tenantId, sample.promptType), PromptTypeQualification.restore(before));
      return;
    }
    const { counted: _counted, evalCostPico, ...shared } = verdict;
    const event: EvalVerdict = { ...shared, eventId: randomUUID(), evalCostPico: evalCostPico.toString() };
    this.deps.events.publish({ topic: Topics.evalVerdict, key: tenantId, id: event.eventId, value: EvalVerdict.encode(event).finish() });
    stored.forEach((d) => this.publishDecision(d));
  }

  private publishDecision(d: StoredDecision): void {
    const event: ParityDecisionEvent = {
      eventId: d.eventId,
      tenantId: d.tenantId,
      promptType: d.promptType,
      baselineModel: d.baseline,
      candidateModel: d.candidate,
      servingModel: d.servingModel,
      status: d.status,
      comparisons: d.comparisons,
      lowerBound: d.lowerBound,
      reason: d.reason,
      atMs: d.atMs,
      routeStatus: d.routeStatus,
    };
    // Keyed by tenant and prompt type: compaction keeps the latest decision of each.
    this.deps.events.publish({ topic: Topics.parityDecision, key: keyOf(d.tenantId, d.promptType), id: d.eventId, value: ParityDecisionEvent.encode(event).finish() });
  }
}

function keyOf(tenantId: string, promptType: string): string {
  return `${tenantId}/${promptType}`;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function startDecision(q: PromptTypeQualification, atMs: number): ParityDecision {
  const view = q.view();
  return {
    tenantId: view.tenantId,
    promptType: view.promptType,
    baseline: view.baseline,
    candidate: view.activeCandidate ?? '',
    status: 'qualifying',
    servingModel: view.servingModel,
    activeCandidate: view.activeCandidate,
    routeStatus: view.status,
    comparisons: 0,
    lowerBound: 0,
    atMs,
    reason: view.activeCandidate ? `started qualifying ${view.activeCandidate} against ${view.baseline}` : `no candidate cheaper than ${view.baseline} is allowed`,
  };
}

/** Evaluation calls carry the sample's tenant and prompt type, their own request id, and a tag that marks them as evaluation cost. */
function evalContext(sample: EvalSample, call: string): RequestContext {
  const context = sample.context;
  return {
    requestId: `eval-${sample.eventId}-${call}`,
    tenantId: context?.tenantId ?? '',
    teamId: context?.teamId ?? '',
    keyId: context?.keyId ?? '',
    endUser: '',
    tags: { ...(context?.tags ?? {}), assay_purpose: 'evaluation' },
    promptType: sample.promptType,
    deadlineMs: 0,
  };
}

function firstMessage(openaiBody: Uint8Array): unknown {
  const completion = JSON.parse(Buffer.from(openaiBody).toString('utf8')) as { choices?: Array<{ message?: unknown }> };
  return completion.choices?.[0]?.message ?? null;
}

function programmaticDetail(score: ComparisonScore): string {
  return score === 0.5 ? 'structured output agrees with the baseline' : score === 1 ? 'only the candidate produced valid output' : 'the candidate disagreed with the baseline or its output was invalid';
}

