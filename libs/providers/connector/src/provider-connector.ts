// The provider connector: calls one routed model on its providers. It picks a deployment
// (weighted least-outstanding among those whose breaker is closed and that have a usable key),
// retries retryable failures with backoff and full jitter honouring Retry-After, rotates keys
// on 429/401, never retries once a streamed chunk has been handed on, and reports every
// upstream call as a ProviderAttempt event, failed ones included, because each is real cost.
// Never waits on the event bus.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ProviderAttempt,
  Topics,
  type ChatChunk,
  type ChatResponse,
  type ConnectorEmbedRequest,
  type ConnectorRequest,
  type EmbedResponse,
  type Outcome,
  type RequestContext,
  type Usage,
} from '@assay/contracts';
import type { EventPublisher } from '@assay/messaging';
import { AssayError, type ConnectorPort, type ReliabilityConfig } from '@assay/platform';
import {
  ProviderHttpError,
  ProviderUnreachable,
  ZERO_USAGE,
  type OpenAIChatBody,
  type OpenAIEmbeddingsBody,
  type ProviderAdapter,
  type ProviderTarget,
  type TokenUsage,
} from '@assay/providers-spec';
import { backoffDelayMs, isRetryable, pickDeployment, type AttemptFailure } from '@assay/routing';
import type { UsagePricer } from '@assay/metering';
import { estimateChatUsage } from '@assay/pricing';
import type { AdapterRegistry } from './adapter-registry';
import type { Deployment, DeploymentPool, ModelDeployments } from './deployment-pool';

interface PreparedCall<TBody = OpenAIChatBody> {
  operation: 'chat' | 'embeddings';
  context: RequestContext | undefined;
  body: TBody;
  model: ModelDeployments;
  deadline: number;
  firstAttempt: number;
}

interface SuccessfulAttempt<T> {
  value: T;
  deployment: Deployment;
  attemptNo: number;
  startedAt: number;
  tries: number;
}

interface ClassifiedFailure extends AttemptFailure {
  error: AssayError;
  timedOut: boolean;
}

const NEVER_ABORTED = new AbortController().signal;

export class ProviderConnector implements ConnectorPort {
  constructor(
    private readonly pool: DeploymentPool,
    private readonly adapters: AdapterRegistry,
    private readonly events: EventPublisher,
    private readonly reliability: ReliabilityConfig,
    private readonly clock: () => number = Date.now,
    private readonly random: () => number = Math.random,
    /** Prices the answer for the x-assay-cost header; metering prices every attempt on its own. */
    private readonly pricer?: UsagePricer,
  ) {}

  async chat(request: ConnectorRequest, signal: AbortSignal = NEVER_ABORTED): Promise<ChatResponse> {
    const call = this.prepare(request);
    const ok = await this.withRetries(call, signal, (adapter, target) => adapter.chat(call.body, target, signal));
    const usage = toUsage(ok.value.usage ?? ZERO_USAGE);
    this.recordAttempt(call, ok.deployment, ok.attemptNo, ok.startedAt, usage, 'ok', 200);
    return {
      openaiBody: Buffer.from(JSON.stringify(ok.value.completion)),
      outcome: this.outcome(call, ok.deployment, usage, ok.tries, ok.startedAt),
    };
  }

  async embed(request: ConnectorEmbedRequest, signal: AbortSignal = NEVER_ABORTED): Promise<EmbedResponse> {
    const embed = request.request;
    if (!embed) throw AssayError.invalidRequest('connector request carries no embeddings request');
    const call = this.prepareCall<OpenAIEmbeddingsBody>('embeddings', embed.context, embed.openaiBody, request.targetModel, request.firstAttempt);
    const ok = await this.withRetries(call, signal, (adapter, target) => {
      if (!adapter.embeddings) throw AssayError.invalidRequest(`The model \`${call.model.model}\` does not support embeddings.`, 'model');
      return adapter.embeddings(call.body, target, signal);
    });
    const usage = toUsage(ok.value.usage ?? ZERO_USAGE);
    this.recordAttempt(call, ok.deployment, ok.attemptNo, ok.startedAt, usage, 'ok', 200);
    return {
      openaiBody: Buffer.from(JSON.stringify(ok.value.response)),
      outcome: this.outcome(call, ok.deployment, usage, ok.tries, ok.startedAt),
    };
  }

  async *chatStream(request: ConnectorRequest, signal: AbortSignal = NEVER_ABORTED): AsyncIterable<ChatChunk> {
    const call = this.prepare(request);
    const clientWantsUsage = (call.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    // Only opening the stream and its first event may be retried: after that, bytes may have
    // reached the client, and a retry would show it a second, different answer.
    const ok = await this.withRetries(call, signal, async (adapter, target) => {
      const events = adapter.chatStream(call.body, target, signal)[Symbol.asyncIterator]();
      return { events, first: await events.next() };
    });
    const { deployment, attemptNo, startedAt, tries } = ok;
    let usage: Usage = toUsage(ZERO_USAGE);
    let reported = false;
    let answerText = '';
    let completed = false;
    let failed = false;
    // The first chunk names the model that answers (x-assay-model on SSE responses).
    let servedModel: string | undefined = call.model.model;
    try {
      for (let next = ok.value.first; !next.done; next = await ok.value.events.next()) {
        const event = next.value;
        if (event.type === 'usage') {
          usage = toUsage(event.usage);
          reported = true;
          if (clientWantsUsage) yield { openaiChunk: Buffer.from(JSON.stringify(event.chunk)), servedModel };
        } else {
          if (!reported) answerText += deltaText(event.chunk);
          yield { openaiChunk: Buffer.from(JSON.stringify(event.chunk)), servedModel };
        }
        servedModel = undefined;
      }
      completed = true;
    } catch (err) {
      failed = true;
      const failure = this.classify(err, signal);
      this.noteHealth(deployment, '', failure);
      this.recordAttempt(call, deployment, attemptNo, startedAt, usage, failure.error.code ?? failure.error.type, failure.status);
      failure.error.attempts = tries;
      throw failure.error;
    } finally {
      if (!completed && !failed) {
        // The consumer stopped reading (the client left): the call still cost what the provider
        // produced so far, and the upstream stream must be closed.
        this.recordAttempt(call, deployment, attemptNo, startedAt, usage, 'client_closed_request', 0);
        await ok.value.events.return?.();
      }
    }
    // Some providers (and OpenAI-compatible servers) stream no usage: count it, and say it was counted.
    const estimated = !reported;
    if (estimated) usage = estimatedUsage(call.body, answerText, deployment.target.upstreamModel);
    this.recordAttempt(call, deployment, attemptNo, startedAt, usage, 'ok', 200, estimated);
    yield { outcome: this.outcome(call, deployment, usage, tries, startedAt) };
  }

  private outcome<TBody>(call: PreparedCall<TBody>, deployment: Deployment, usage: Usage, attempts: number, startedAt: number): Outcome {
    const price = this.pricer?.price({ provider: deployment.target.provider, upstreamModel: deployment.target.upstreamModel, model: call.model.model, at: new Date(startedAt), ...usage });
    return {
      usage,
      servedModel: call.model.model,
      provider: deployment.target.provider,
      deployment: deployment.name,
      attempts,
      costPico: price?.effectiveFrom ? price.costPico.toString() : '',
    };
  }

  private prepare(request: ConnectorRequest): PreparedCall {
    const chat = request.request;
    if (!chat) throw AssayError.invalidRequest('connector request carries no chat request');
    return this.prepareCall<OpenAIChatBody>('chat', chat.context, chat.openaiBody, request.targetModel, request.firstAttempt);
  }

  private prepareCall<TBody>(operation: 'chat' | 'embeddings', context: RequestContext | undefined, body: Uint8Array, targetModel: string, firstAttempt: number): PreparedCall<TBody> {
    const model = this.pool.forModel(targetModel);
    const deadlineMs = context?.deadlineMs ?? 0;
    return {
      operation,
      context,
      body: JSON.parse(Buffer.from(body).toString('utf8')) as TBody,
      model,
      deadline: deadlineMs > 0 ? deadlineMs : this.clock() + this.reliability.requestTimeoutMs,
      firstAttempt: firstAttempt || 1,
    };
  }

  private async withRetries<T, TBody>(
    call: PreparedCall<TBody>,
    signal: AbortSignal,
    once: (adapter: ProviderAdapter, target: ProviderTarget) => Promise<T>,
  ): Promise<SuccessfulAttempt<T>> {
    const { deployments } = call.model;
    const tried = new Set<Deployment>();
    let tries = 0;
    let lastError: AssayError | undefined;

    while (tries < this.reliability.maxAttemptsPerModel) {
      const now = this.clock();
      if (now >= call.deadline) {
        lastError = AssayError.timeout();
        break;
      }
      const deployment = pickDeployment(deployments, (d) => d.availableAt(now), tried, this.random);
      if (!deployment || !deployment.breaker.tryAcquire(now)) {
        lastError ??= new AssayError({
          status: 503,
          type: 'api_error',
          code: 'no_healthy_deployment',
          message: `Every deployment of ${call.model.model} is unavailable right now (circuit open or keys cooling down).`,
        });
        break;
      }
      const adapter = this.adapters[deployment.target.kind];
      if (!adapter) throw AssayError.internal(`No adapter for provider kind ${deployment.target.kind}`);
      const key = deployment.keys.size > 0 ? deployment.keys.next(now)! : '';
      tries++;
      tried.add(deployment);
      const attemptNo = call.firstAttempt + tries - 1;
      const timeoutMs = Math.max(1, Math.min(deployment.target.timeoutMs, call.model.latencyThresholdMs ?? Infinity, call.deadline - now));
      deployment.outstanding++;
      try {
        const value = await once(adapter, { ...deployment.target, apiKey: key, timeoutMs });
        deployment.breaker.onSuccess();
        return { value, deployment, attemptNo, startedAt: now, tries };
      } catch (err) {
        const failure = this.classify(err, signal);
        this.recordAttempt(call, deployment, attemptNo, now, toUsage(ZERO_USAGE), failure.error.code ?? failure.error.type, failure.status);
        if (signal.aborted) {
          deployment.breaker.onAbandoned();
          throw withAttempts(AssayError.cancelled(), tries);
        }
        const delay = backoffDelayMs(tries - 1, this.reliability.backoff, failure, this.random);
        this.noteHealth(deployment, key, failure, delay);
        lastError = failure.error;
        const keyProblem = [401, 403, 429].includes(failure.status);
        if (!isRetryable(failure) && !keyProblem) throw withAttempts(failure.error, tries);
        // A slow model is left for its fallbacks rather than asked again.
        if (failure.timedOut && timeoutMs === call.model.latencyThresholdMs) break;
        if (tries >= this.reliability.maxAttemptsPerModel) break;
        // A Retry-After longer than our longest backoff: better to fall back than to hold the client.
        if ((failure.retryAfterSeconds ?? 0) * 1000 > this.reliability.backoff.maxMs) break;
        const otherReady = keyProblem && this.canRotate(deployment, deployments);
        const wait = otherReady ? 0 : delay;
        if (this.clock() + wait >= call.deadline) break;
        if (wait > 0) {
          try {
            await sleep(wait, undefined, { signal });
          } catch {
            throw withAttempts(AssayError.cancelled(), tries);
          }
        }
      } finally {
        deployment.outstanding--;
      }
    }
    throw withAttempts(lastError ?? AssayError.timeout(), tries);
  }

  /** Whether another key of this deployment, or another deployment, can be called right now. */
  private canRotate(current: Deployment, deployments: readonly Deployment[]): boolean {
    const now = this.clock();
    if (current.keys.size > 1 && current.keys.nextAvailableAt() <= now && current.breaker.isAvailable(now)) return true;
    return deployments.some((d) => d !== current && d.availableAt(now));
  }

  private classify(err: unknown, signal: AbortSignal): ClassifiedFailure {
    if (signal.aborted) return { error: AssayError.cancelled(), status: 0, timedOut: false };
    if (err instanceof ProviderHttpError) {
      return { error: AssayError.upstream(err.status, err.message, err.retryAfterSeconds), status: err.status, retryAfterSeconds: err.retryAfterSeconds, timedOut: false };
    }
    if (err instanceof ProviderUnreachable) {
      return { error: err.timedOut ? AssayError.timeout() : AssayError.upstream(502, err.message), status: 0, timedOut: err.timedOut };
    }
    if (err instanceof AssayError) return { error: err, status: err.status, timedOut: false };
    return { error: AssayError.upstream(502, `provider call failed: ${(err as Error)?.message ?? String(err)}`), status: 0, timedOut: false };
  }

  /** Updates breaker and key state after a failed call. */
  private noteHealth(deployment: Deployment, key: string, failure: ClassifiedFailure, backoffMs = 0): void {
    const now = this.clock();
    if (failure.status === 401 || failure.status === 403) {
      if (key) deployment.keys.coolDown(key, now + this.reliability.keyCooldownMs);
      deployment.breaker.onAbandoned();
    } else if (failure.status === 429) {
      if (key) deployment.keys.coolDown(key, now + Math.max((failure.retryAfterSeconds ?? 0) * 1000, backoffMs));
      deployment.breaker.onAbandoned();
    } else if (isRetryable(failure)) {
      deployment.breaker.onFailure(now);
    } else {
      // The provider answered sensibly (e.g. 400 for a bad request): it is healthy.
      deployment.breaker.onSuccess();
    }
  }

  private recordAttempt<TBody>(call: PreparedCall<TBody>, deployment: Deployment, attempt: number, startedAt: number, usage: Usage, status: string, httpStatus: number, usageEstimated = false): void {
    const event: ProviderAttempt = {
      eventId: randomUUID(),
      context: call.context,
      attempt,
      model: call.model.model,
      provider: deployment.target.provider,
      deployment: deployment.name,
      upstreamModel: deployment.target.upstreamModel,
      usage,
      status,
      httpStatus,
      startedAtMs: startedAt,
      latencyMs: this.clock() - startedAt,
      usageEstimated,
      operation: call.operation,
    };
    this.events.publish({ topic: Topics.providerAttempt, key: call.context?.tenantId ?? '', id: event.eventId, value: ProviderAttempt.encode(event).finish() });
  }
}

function withAttempts(error: AssayError, attempts: number): AssayError {
  error.attempts = attempts;
  return error;
}

function toUsage(u: TokenUsage): Usage {
  return {
    promptTokens: u.promptTokens,
    completionTokens: u.completionTokens,
    totalTokens: u.totalTokens,
    cachedTokens: u.cachedTokens,
    reasoningTokens: u.reasoningTokens,
  };
}

function deltaText(chunk: Record<string, unknown>): string {
  const choices = chunk.choices as Array<{ delta?: { content?: unknown; tool_calls?: Array<{ function?: { arguments?: unknown } }> } }> | undefined;
  const delta = choices?.[0]?.delta;
  if (!delta) return '';
  let text = typeof delta.content === 'string' ? delta.content : '';
  for (const call of delta.tool_calls ?? []) if (typeof call.function?.arguments === 'string') text += call.function.arguments;
  return text;
}

function estimatedUsage(body: OpenAIChatBody, answer: string, model: string): Usage {
  const e = estimateChatUsage(body as Parameters<typeof estimateChatUsage>[0], answer, model);
  return { promptTokens: e.promptTokens, completionTokens: e.completionTokens, totalTokens: e.totalTokens, cachedTokens: 0, reasoningTokens: 0 };
}
