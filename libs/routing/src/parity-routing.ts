// Parity on the hot path: which model serves a tenant's prompt type right now (the latest parity
// decision, applied from the compacted decision topic), whether a request is sampled for the
// evaluator, and the publishing of samples. Only in-memory state: it never waits on Kafka or the
// database, and tenants without a parity policy cost one map lookup.
import { randomUUID } from 'node:crypto';
import { EvalSample, Topics, type ChatRequest, type ParityDecision, type RequestContext, type Usage } from '@assay/contracts';
import type { EventPublisher } from '@assay/messaging';
import { resolveParityPolicy, resolvePromptType, structuredOutputKind, type ParityPolicies, type ParityPolicy } from '@assay/parity';

interface ParityRoute {
  baseline: string;
  servingModel: string;
  routeStatus: string;
  atMs: number;
}

/** What parity decided for one request, fixed before the first upstream call. */
export interface ParityPlan {
  promptType: string;
  /** The model the caller asked for: the reference the candidate is compared with. */
  baseline: string;
  /** The model that serves: the baseline, or the promoted candidate. */
  servingModel: string;
  /** True when a promoted candidate serves this request. */
  promoted: boolean;
  /** The request asks for structured output (json_schema, json_object or tools): the format guarantee applies. */
  structured: boolean;
  /** Chosen for evaluation (sampled at the prompt type's current rate). */
  sampled: boolean;
  body: Record<string, unknown>;
}

export interface ServedAnswer {
  servedModel: string;
  message: unknown;
  usage?: Usage;
}

export class ParityRouting {
  private readonly routes = new Map<string, ParityRoute>();
  private readonly policyCache = new Map<string, ParityPolicy | null>();

  constructor(
    private readonly policies: ParityPolicies,
    private readonly events: EventPublisher,
    private readonly isRoutable: (model: string) => boolean,
    private readonly random: () => number = Math.random,
  ) {}

  /** Applies a decision from the topic; an older decision arriving late never overrides a newer one. */
  applyDecision(decision: ParityDecision): void {
    const key = routeKey(decision.tenantId, decision.promptType);
    const current = this.routes.get(key);
    if (current && current.atMs > decision.atMs) return;
    this.routes.set(key, { baseline: decision.baselineModel, servingModel: decision.servingModel, routeStatus: decision.routeStatus, atMs: decision.atMs });
  }

  plan(request: ChatRequest): ParityPlan | null {
    const tenantId = request.context?.tenantId;
    if (!tenantId || !Object.hasOwn(this.policies.tenants, tenantId)) return null;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.from(request.openaiBody).toString('utf8')) as Record<string, unknown>;
    } catch {
      return null;
    }
    const promptType = resolvePromptType(request.context?.promptType || undefined, body as never);
    const policy = this.policyFor(tenantId, promptType);
    if (!policy || (policy.baseline !== undefined && policy.baseline !== request.model)) return null;
    const route = this.routes.get(routeKey(tenantId, promptType));
    const promoted =
      route !== undefined && route.routeStatus === 'promoted' && route.baseline === request.model && route.servingModel !== request.model && this.isRoutable(route.servingModel);
    const rate = route === undefined || route.routeStatus === 'qualifying' ? policy.sampleRateQualifying : policy.sampleRateDecided;
    return {
      promptType,
      baseline: request.model,
      servingModel: promoted ? route.servingModel : request.model,
      promoted,
      structured: structuredOutputKind(body as never) !== null,
      // Streams with n > 1 and the like are still sampled: the evaluator compares first choices.
      sampled: rate > 0 && this.random() < rate,
      body,
    };
  }

  /**
   * The effective policy, merged and validated once per tenant (or per prompt type the config
   * names), not per request. Keys come from the config only, so the cache stays small.
   */
  private policyFor(tenantId: string, promptType: string): ParityPolicy | null {
    const overridden = Object.hasOwn(this.policies.tenants[tenantId].promptTypes ?? {}, promptType);
    const key = overridden ? routeKey(tenantId, promptType) : tenantId;
    let policy = this.policyCache.get(key);
    if (policy === undefined) {
      policy = resolveParityPolicy(this.policies, tenantId, overridden ? promptType : undefined);
      this.policyCache.set(key, policy);
    }
    return policy;
  }

  /** Publishes a sample of the answer the client received. */
  publishSample(context: RequestContext | undefined, plan: ParityPlan, answer: ServedAnswer, requestBody: Buffer): void {
    this.publish(context, plan, requestBody, {
      servedModel: answer.servedModel,
      servedMessage: Buffer.from(JSON.stringify(answer.message ?? null)),
      servedUsage: answer.usage,
      candidateOutputInvalid: false,
      invalidCandidate: '',
    });
  }

  /**
   * The format guarantee replaced a promoted candidate's invalid answer: tell the evaluator, which
   * records it as a loss for that candidate (always, whatever the sampling rate).
   */
  publishInvalidCandidateOutput(context: RequestContext | undefined, plan: ParityPlan, requestBody: Buffer, invalidMessage: unknown): void {
    this.publish(context, plan, requestBody, {
      servedModel: plan.servingModel,
      servedMessage: Buffer.from(JSON.stringify(invalidMessage ?? null)),
      servedUsage: undefined,
      candidateOutputInvalid: true,
      invalidCandidate: plan.servingModel,
    });
  }

  private publish(
    context: RequestContext | undefined,
    plan: ParityPlan,
    requestBody: Buffer,
    served: Pick<EvalSample, 'servedModel' | 'servedMessage' | 'servedUsage' | 'candidateOutputInvalid' | 'invalidCandidate'>,
  ): void {
    const sample: EvalSample = {
      eventId: randomUUID(),
      context,
      promptType: plan.promptType,
      requestBody,
      baselineModel: plan.baseline,
      atMs: Date.now(),
      ...served,
    };
    this.events.publish({ topic: Topics.evalSample, key: context?.tenantId ?? '', id: sample.eventId, value: EvalSample.encode(sample).finish() });
  }
}

function routeKey(tenantId: string, promptType: string): string {
  return `${tenantId}/${promptType}`;
}
