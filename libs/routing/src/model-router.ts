// The router service: plans the route for a request, hands it to the provider connector, and
// publishes exactly one RequestCompleted per customer request, success or failure. The customer
// is charged from that event, never from attempts.
import { randomUUID } from 'node:crypto';
import {
  RequestCompleted,
  Topics,
  type ChatChunk,
  type ChatRequest,
  type ChatResponse,
  type Outcome,
} from '@assay/contracts';
import type { EventPublisher } from '@assay/messaging';
import { AssayError, type ConnectorPort, type RouterPort } from '@assay/platform';
import { planRoute, type RoutingTable } from './route-plan';

export class ModelRouter implements RouterPort {
  constructor(
    private readonly table: RoutingTable,
    private readonly connector: ConnectorPort,
    private readonly events: EventPublisher,
  ) {}

  async chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    const startedAt = Date.now();
    try {
      const plan = planRoute(this.table, request.model);
      const response = await this.connector.chat({ request, targetModel: plan.primary }, signal);
      this.complete(request, startedAt, response.outcome, null);
      return response;
    } catch (err) {
      const error = AssayError.from(err);
      this.complete(request, startedAt, undefined, error);
      throw error;
    }
  }

  async *chatStream(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    const startedAt = Date.now();
    let outcome: Outcome | undefined;
    let error: AssayError | null = null;
    try {
      const plan = planRoute(this.table, request.model);
      for await (const chunk of this.connector.chatStream({ request, targetModel: plan.primary }, signal)) {
        if (chunk.outcome) outcome = chunk.outcome;
        yield chunk;
      }
    } catch (err) {
      error = AssayError.from(err);
      throw error;
    } finally {
      // Also reached when the consumer stops early because the client went away.
      this.complete(request, startedAt, outcome, error ?? (outcome ? null : AssayError.cancelled()));
    }
  }

  private complete(request: ChatRequest, startedAt: number, outcome: Outcome | undefined, error: AssayError | null): void {
    const event: RequestCompleted = {
      eventId: randomUUID(),
      context: request.context,
      requestedModel: request.model,
      servedModel: outcome?.servedModel ?? '',
      provider: outcome?.provider ?? '',
      usage: outcome?.usage,
      attempts: outcome?.attempts ?? 0,
      status: error ? (error.code ?? error.type) : 'ok',
      httpStatus: error ? error.status : 200,
      stream: request.stream,
      startedAtMs: startedAt,
      latencyMs: Date.now() - startedAt,
    };
    this.events.publish({
      topic: Topics.requestCompleted,
      key: request.context?.tenantId ?? '',
      id: event.eventId,
      value: RequestCompleted.encode(event).finish(),
    });
  }
}
