// The router service: plans the route for a request (the requested model, then its fallbacks),
// hands it to the provider connector model by model, and publishes exactly one RequestCompleted
// per customer request, success or failure. The customer is charged from that event, never from
// attempts, so a request that needed three upstream calls is still charged once.
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
import { AssayError, type ConnectorPort, type RouterPort } from '@assay/platform';
import { planRoute, type RoutingTable } from './route-plan';

type Operation = 'chat' | 'embeddings';

/** What the router needs to know of any request it routes. */
interface Routed {
  context?: RequestContext;
  model: string;
  stream: boolean;
}

export class ModelRouter implements RouterPort {
  constructor(
    private readonly table: RoutingTable,
    private readonly connector: ConnectorPort,
    private readonly events: EventPublisher,
  ) {}

  chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    return this.viaFallbacks(request, 'chat', signal, (targetModel, firstAttempt) => this.connector.chat({ request, targetModel, firstAttempt }, signal));
  }

  embed(request: EmbedRequest, signal?: AbortSignal): Promise<EmbedResponse> {
    const routed = { ...request, stream: false };
    return this.viaFallbacks(routed, 'embeddings', signal, (targetModel, firstAttempt) => this.connector.embed({ request, targetModel, firstAttempt }, signal));
  }

  /** Tries the requested model, then its fallbacks while the failure is the provider's. */
  private async viaFallbacks<T extends { outcome?: Outcome }>(
    request: Routed,
    operation: Operation,
    signal: AbortSignal | undefined,
    callModel: (model: string, firstAttempt: number) => Promise<T>,
  ): Promise<T> {
    const startedAt = Date.now();
    let attempts = 0;
    try {
      const plan = planRoute(this.table, request.model);
      const models = [plan.primary, ...plan.fallbacks];
      for (let i = 0; ; i++) {
        try {
          const response = await callModel(models[i], attempts + 1);
          attempts += response.outcome?.attempts ?? 1;
          const outcome = { ...response.outcome!, attempts };
          this.complete(request, operation, startedAt, outcome, null);
          return { ...response, outcome };
        } catch (err) {
          const error = AssayError.from(err);
          attempts += error.attempts;
          if (i === models.length - 1 || !error.isProviderFailure || signal?.aborted) throw error;
        }
      }
    } catch (err) {
      const error = AssayError.from(err);
      error.attempts = attempts;
      this.complete(request, operation, startedAt, undefined, error);
      throw error;
    }
  }

  async *chatStream(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    const startedAt = Date.now();
    let attempts = 0;
    let outcome: Outcome | undefined;
    let error: AssayError | null = null;
    try {
      const plan = planRoute(this.table, request.model);
      const models = [plan.primary, ...plan.fallbacks];
      for (let i = 0; ; i++) {
        let started = false;
        try {
          for await (const chunk of this.connector.chatStream({ request, targetModel: models[i], firstAttempt: attempts + 1 }, signal)) {
            if (chunk.outcome) {
              attempts += chunk.outcome.attempts;
              outcome = { ...chunk.outcome, attempts };
              yield { outcome };
            } else {
              started = true;
              yield chunk;
            }
          }
          return;
        } catch (err) {
          const e = AssayError.from(err);
          attempts += e.attempts;
          // Once the client has seen part of an answer, another model must not continue it.
          if (started || i === models.length - 1 || !e.isProviderFailure || signal?.aborted) throw e;
        }
      }
    } catch (err) {
      error = AssayError.from(err);
      error.attempts = attempts;
      throw error;
    } finally {
      // Also reached when the consumer stops early because the client went away.
      this.complete(request, 'chat', startedAt, outcome, error ?? (outcome ? null : AssayError.cancelled()), attempts);
    }
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
