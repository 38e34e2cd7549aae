// The provider connector: calls the routed model's provider and reports every upstream call as a
// ProviderAttempt event, failed ones included, because each one is real cost. Never waits on the
// event bus.
import { randomUUID } from 'node:crypto';
import {
  ProviderAttempt,
  Topics,
  type ChatChunk,
  type ChatResponse,
  type ConnectorRequest,
  type Outcome,
  type RequestContext,
  type Usage,
} from '@assay/contracts';
import type { EventPublisher } from '@assay/messaging';
import { AssayError, type ConnectorPort } from '@assay/platform';
import {
  ProviderHttpError,
  ProviderUnreachable,
  ZERO_USAGE,
  type OpenAIChatBody,
  type ProviderAdapter,
  type ProviderTarget,
  type TokenUsage,
} from '@assay/providers-spec';
import type { ProviderTargets } from './provider-targets';

export class ProviderConnector implements ConnectorPort {
  constructor(
    private readonly targets: ProviderTargets,
    private readonly adapter: ProviderAdapter,
    private readonly events: EventPublisher,
  ) {}

  async chat(request: ConnectorRequest, signal: AbortSignal = new AbortController().signal): Promise<ChatResponse> {
    const { target, body, context } = this.prepare(request);
    const startedAt = Date.now();
    try {
      const result = await this.adapter.chat(body, target, signal);
      const usage = toUsage(result.usage ?? ZERO_USAGE);
      this.recordAttempt(context, request.targetModel, target, startedAt, usage, 'ok', 200);
      return {
        openaiBody: Buffer.from(JSON.stringify(result.completion)),
        outcome: outcomeOf(request.targetModel, target, usage),
      };
    } catch (err) {
      throw this.failAttempt(err, context, request.targetModel, target, startedAt, signal);
    }
  }

  async *chatStream(request: ConnectorRequest, signal: AbortSignal = new AbortController().signal): AsyncIterable<ChatChunk> {
    const { target, body, context } = this.prepare(request);
    const clientWantsUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const startedAt = Date.now();
    let usage: Usage = toUsage(ZERO_USAGE);
    try {
      for await (const event of this.adapter.chatStream(body, target, signal)) {
        if (event.type === 'usage') {
          usage = toUsage(event.usage);
          if (clientWantsUsage) yield { openaiChunk: Buffer.from(JSON.stringify(event.chunk)) };
        } else {
          yield { openaiChunk: Buffer.from(JSON.stringify(event.chunk)) };
        }
      }
    } catch (err) {
      throw this.failAttempt(err, context, request.targetModel, target, startedAt, signal);
    }
    this.recordAttempt(context, request.targetModel, target, startedAt, usage, 'ok', 200);
    yield { outcome: outcomeOf(request.targetModel, target, usage) };
  }

  private prepare(request: ConnectorRequest) {
    const chat = request.request;
    if (!chat) throw AssayError.invalidRequest('connector request carries no chat request');
    const target = this.targets.resolve(request.targetModel);
    const body = JSON.parse(Buffer.from(chat.openaiBody).toString('utf8')) as OpenAIChatBody;
    return { target, body, context: chat.context };
  }

  private failAttempt(err: unknown, context: RequestContext | undefined, model: string, target: ProviderTarget, startedAt: number, signal: AbortSignal): AssayError {
    const error = signal.aborted
      ? AssayError.cancelled()
      : err instanceof ProviderHttpError
        ? AssayError.upstream(err.status, err.message, err.retryAfterSeconds)
        : err instanceof ProviderUnreachable
          ? err.timedOut ? AssayError.timeout() : AssayError.upstream(502, err.message)
          : AssayError.from(err);
    const httpStatus = err instanceof ProviderHttpError ? err.status : 0;
    this.recordAttempt(context, model, target, startedAt, toUsage(ZERO_USAGE), error.code ?? error.type, httpStatus);
    return error;
  }

  private recordAttempt(context: RequestContext | undefined, model: string, target: ProviderTarget, startedAt: number, usage: Usage, status: string, httpStatus: number): void {
    const attempt: ProviderAttempt = {
      eventId: randomUUID(),
      context,
      attempt: 1,
      model,
      provider: target.provider,
      deployment: target.provider,
      upstreamModel: target.upstreamModel,
      usage,
      status,
      httpStatus,
      startedAtMs: startedAt,
      latencyMs: Date.now() - startedAt,
      usageEstimated: false,
    };
    this.events.publish({
      topic: Topics.providerAttempt,
      key: context?.tenantId ?? '',
      id: attempt.eventId,
      value: ProviderAttempt.encode(attempt).finish(),
    });
  }
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

function outcomeOf(model: string, target: ProviderTarget, usage: Usage): Outcome {
  return { usage, servedModel: model, provider: target.provider, deployment: target.provider, attempts: 1 };
}
