// The router service: plans the route for a request (the requested model, then its fallbacks, or
// a promoted parity candidate backed by them), hands it to the provider connector model by model,
// applies the format guarantee, samples answers for the evaluator, and publishes exactly one
// RequestCompleted per customer request, success or failure. The customer is charged from that
// event, never from attempts, so a request that needed three upstream calls is still charged once.
import { randomUUID } from 'node:crypto';
import {
  RequestCompleted,
  Topics,
  type ChatChunk,
  type ChatRequest,
  type ChatResponse,
  type EmbedRequest,
  type EmbedResponse,
  type Outcome,
  type RequestContext,
} from '@assay/contracts';
import type { EventPublisher } from '@assay/messaging';
import { validateStructuredOutput } from '@assay/parity';
import { AssayError, type ConnectorPort, type RouterPort } from '@assay/platform';
import type { ParityPlan, ParityRouting } from './parity-routing';
import { planRoute, type RoutingTable } from './route-plan';
import { StreamMessageAssembler } from './stream-message';

type Operation = 'chat' | 'embeddings';

/** What the router needs to know of any request it routes. */
interface Routed {
  context?: RequestContext;
  model: string;
  stream: boolean;
}

type CallModel<T> = (model: string, firstAttempt: number) => Promise<T>;

export class ModelRouter implements RouterPort {
  constructor(
    private readonly table: RoutingTable,
    private readonly connector: ConnectorPort,
    private readonly events: EventPublisher,
    private readonly parity?: ParityRouting,
  ) {}

  chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    const plan = this.parity?.plan(request) ?? null;
    const routed = plan ? withPromptType(request, plan.promptType) : request;
    const call: CallModel<ChatResponse> = (targetModel, firstAttempt) => this.connector.chat({ request: routed, targetModel, firstAttempt }, signal);
    return this.completeOnce(routed, 'chat', async () => {
      if (!plan) return this.viaModels(this.modelsFor(request.model, request.context), 1, signal, call);
      const first = await this.viaModels(this.servingModels(plan, request.model, request.context), 1, signal, call);
      const message = plan.sampled || (plan.promoted && plan.structured) ? firstMessage(first.openaiBody) : undefined;
      if (plan.promoted && plan.structured && first.outcome?.servedModel === plan.servingModel && !validateStructuredOutput(plan.body as never, message as never).valid) {
        // Format guarantee: the client never sees the candidate's invalid output; the baseline
        // answers the same request within the same deadline, and the evaluator counts a loss.
        this.parity!.publishInvalidCandidateOutput(routed.context, plan, request.openaiBody, message);
        const attemptsSoFar = first.outcome?.attempts ?? 1;
        const second = await this.viaModels(this.modelsFor(request.model, request.context), attemptsSoFar + 1, signal, call).catch((err: unknown) => {
          const error = AssayError.from(err);
          error.attempts += attemptsSoFar;
          throw error;
        });
        return { ...second, outcome: mergeOutcomes(first.outcome, second.outcome) };
      }
      if (plan.sampled) this.parity!.publishSample(routed.context, plan, { servedModel: first.outcome?.servedModel ?? '', message, usage: first.outcome?.usage }, request.openaiBody);
      return first;
    });
  }

  embed(request: EmbedRequest, signal?: AbortSignal): Promise<EmbedResponse> {
    const routed = { ...request, stream: false };
    return this.completeOnce(routed, 'embeddings', () =>
      this.viaModels(this.modelsFor(request.model, request.context), 1, signal, (targetModel, firstAttempt) => this.connector.embed({ request, targetModel, firstAttempt }, signal)),
    );
  }

  private modelsFor(model: string, context: RequestContext | undefined): string[] {
    const plan = planRoute(this.table, model, context?.tenantId);
    return [plan.primary, ...plan.fallbacks];
  }

  /** A promoted candidate first, backed by the baseline and its fallbacks. */
  private servingModels(plan: ParityPlan, requested: string, context: RequestContext | undefined): string[] {
    const baseline = this.modelsFor(requested, context);
    return plan.promoted ? [plan.servingModel, ...baseline.filter((m) => m !== plan.servingModel)] : baseline;
  }

  /** Runs the request and publishes its one RequestCompleted, with the attempts of every call. */
  private async completeOnce<T extends { outcome?: Outcome }>(request: Routed, operation: Operation, run: () => Promise<T>): Promise<T> {
    const startedAt = Date.now();
    try {
      const response = await run();
      this.complete(request, operation, startedAt, response.outcome, null);
      return response;
    } catch (err) {
      const error = AssayError.from(err);
      this.complete(request, operation, startedAt, undefined, error);
      throw error;
    }
  }

  /** Tries the models in order while the failure is the provider's; the outcome counts every attempt. */
  private async viaModels<T extends { outcome?: Outcome }>(models: string[], firstAttempt: number, signal: AbortSignal | undefined, callModel: CallModel<T>): Promise<T> {
    let attempts = 0;
    for (let i = 0; ; i++) {
      try {
        const response = await callModel(models[i], firstAttempt + attempts);
        attempts += response.outcome?.attempts ?? 1;
        return { ...response, outcome: { ...response.outcome!, attempts } };
      } catch (err) {
        const error = AssayError.from(err);
        attempts += error.attempts;
        if (i === models.length - 1 || !error.isProviderFailure || signal?.aborted) {
          error.attempts = attempts;
          throw error;
        }
      }
    }
  }

  async *chatStream(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    const startedAt = Date.now();
    const plan = this.parity?.plan(request) ?? null;
    const routed = plan ? withPromptType(request, plan.promptType) : request;
    let outcome: Outcome | undefined;
    // Attempts of calls that finished before the current one (a failed or invalid candidate).
    let prior = 0;
    let error: AssayError | null = null;
    try {
      const sampled = plan?.sampled ? new StreamMessageAssembler() : undefined;
      let models = plan ? this.servingModels(plan, request.model, request.context) : this.modelsFor(request.model, request.context);
      let candidate: Outcome | undefined;
      if (plan?.promoted && plan.structured) {
        // Format guarantee for streams: the candidate's answer is held back until it validates,
        // which costs its whole generation time before the first byte (docs/adr/0008).
        const held: ChatChunk[] = [];
        const assembler = new StreamMessageAssembler();
        try {
          candidate = await this.collectStream(routed, plan.servingModel, signal, held, assembler);
        } catch (err) {
          const e = AssayError.from(err);
          if (!e.isProviderFailure || signal?.aborted) throw e;
          prior = e.attempts;
        }
        if (candidate && validateStructuredOutput(plan.body as never, assembler.message() as never).valid) {
          yield* held;
          outcome = candidate;
          yield { outcome };
          if (plan.sampled) this.parity!.publishSample(routed.context, plan, { servedModel: candidate.servedModel, message: assembler.message(), usage: candidate.usage }, request.openaiBody);
          return;
        }
        if (candidate) {
          this.parity!.publishInvalidCandidateOutput(routed.context, plan, request.openaiBody, assembler.message());
          prior = candidate.attempts;
        }
        models = this.modelsFor(request.model, request.context);
      }
      const result: { value?: Outcome } = {};
      for await (const chunk of this.streamModels(routed, models, prior + 1, signal, result, sampled)) yield chunk;
      outcome = candidate ? mergeOutcomes(candidate, result.value) : { ...result.value!, attempts: prior + result.value!.attempts };
      yield { outcome };
      if (plan && sampled && !candidate) this.parity!.publishSample(routed.context, plan, { servedModel: outcome.servedModel, message: sampled.message(), usage: outcome.usage }, request.openaiBody);
    } catch (err) {
      error = AssayError.from(err);
      error.attempts += prior;
      throw error;
    } finally {
      // Also reached when the consumer stops early because the client went away.
      this.complete(routed, 'chat', startedAt, outcome, error ?? (outcome ? null : AssayError.cancelled()), outcome?.attempts ?? error?.attempts ?? prior);
    }
  }

  /**
   * Streams the first model that answers, falling back while nothing reached the client. The
   * outcome (attempts counted from firstAttempt on) lands in `result` instead of the stream.
   */
  private async *streamModels(
    request: ChatRequest,
    models: string[],
    firstAttempt: number,
    signal: AbortSignal | undefined,
    result: { value?: Outcome },
    assembler?: StreamMessageAssembler,
  ): AsyncIterable<ChatChunk> {
    let attempts = 0;
    for (let i = 0; ; i++) {
      let started = false;
      try {
        for await (const chunk of this.connector.chatStream({ request, targetModel: models[i], firstAttempt: firstAttempt + attempts }, signal)) {
          if (chunk.outcome) {
            attempts += chunk.outcome.attempts;
            result.value = { ...chunk.outcome, attempts };
          } else {
            started = true;
            if (assembler && chunk.openaiChunk) assembler.add(chunk.openaiChunk);
            yield chunk;
          }
        }
        return;
      } catch (err) {
        const e = AssayError.from(err);
        attempts += e.attempts;
        e.attempts = attempts;
        // Once the client has seen part of an answer, another model must not continue it.
        if (started || i === models.length - 1 || !e.isProviderFailure || signal?.aborted) throw e;
      }
    }
  }

  /** Streams one model's answer into `held` without releasing it; resolves with its outcome. */
  private async collectStream(request: ChatRequest, model: string, signal: AbortSignal | undefined, held: ChatChunk[], assembler: StreamMessageAssembler): Promise<Outcome> {
    const result: { value?: Outcome } = {};
    for await (const chunk of this.streamModels(request, [model], 1, signal, result, assembler)) held.push(chunk);
    return result.value!;
  }

  private complete(request: Routed, operation: Operation, startedAt: number, outcome: Outcome | undefined, error: AssayError | null, attempts = outcome?.attempts ?? error?.attempts ?? 0): void {
    const event: RequestCompleted = {
      eventId: randomUUID(),
      context: request.context,
      requestedModel: request.model,
      servedModel: outcome?.servedModel ?? '',
      provider: outcome?.provider ?? '',
      usage: outcome?.usage,
      attempts,
      status: error ? (error.code ?? error.type) : 'ok',
      httpStatus: error ? error.status : 200,
      stream: request.stream,
      startedAtMs: startedAt,
      latencyMs: Date.now() - startedAt,
      operation,
      servedCostPico: outcome?.costPico ?? '',
      deployment: outcome?.deployment ?? '',
    };
    this.events.publish({
      topic: Topics.requestCompleted,
      key: request.context?.tenantId ?? '',
      id: event.eventId,
      value: RequestCompleted.encode(event).finish(),
    });
  }
}

/** The prompt type travels on with the request so metering and billing attribute it too. */
function withPromptType(request: ChatRequest, promptType: string): ChatRequest {
  return request.context ? { ...request, context: { ...request.context, promptType } } : request;
}

function firstMessage(openaiBody: Uint8Array): unknown {
  try {
    const completion = JSON.parse(Buffer.from(openaiBody).toString('utf8')) as { choices?: Array<{ message?: unknown }> };
    return completion.choices?.[0]?.message ?? null;
  } catch {
    return null;
  }
}

/**
 * What a request cost when the format guarantee made two models answer it: the served answer is
 * the second's, the cost is both (the invalid answer was still paid for upstream).
 */
function mergeOutcomes(first: Outcome | undefined, second: Outcome | undefined): Outcome {
  const served = second ?? first!;
  const costs = [first?.costPico, second?.costPico].filter((c): c is string => !!c);
  return {
    ...served,
    attempts: (first?.attempts ?? 0) + (second?.attempts ?? 0),
    costPico: costs.length === 0 ? '' : costs.reduce((sum, c) => sum + BigInt(c), 0n).toString(),
  };
}
