// Turns RequestCompleted and ProviderAttempt events into priced usage records and hourly
// aggregates, a batch per database statement. Idempotent: the event id is the primary key, a
// duplicate is ignored, and only newly inserted records are added to the aggregates, in the same
// transaction, so at-least-once delivery has an exactly-once effect and the aggregates always
// equal the sums of the raw records.
import type { DataSource } from 'typeorm';
import { ProviderAttempt, RequestCompleted, Topics, type RequestContext, type Usage } from '@assay/contracts';
import { decodeOnce, type BusEvent } from '@assay/messaging';
import { UNPRICED, type UsagePricer } from './usage-pricer';

export interface UsageRow {
  eventId: string;
  kind: 'request' | 'attempt';
  operation: string;
  requestId: string;
  tenantId: string;
  teamId: string;
  keyId: string;
  endUser: string;
  model: string;
  provider: string;
  promptType: string;
  tags: Record<string, string>;
  attempt: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  status: string;
  httpStatus: number;
  occurredAt: Date;
  /** Picodollars; upstream cost, on attempt records only (a request's cost is its attempts'). */
  costPico: bigint;
  priced: boolean;
  priceEffectiveFrom: Date | null;
  usageEstimated: boolean;
}

export class UsageRecorder {
  constructor(
    private readonly db: DataSource,
    private readonly pricer: UsagePricer = UNPRICED,
  ) {}

  /** The bus handler for one event. */
  readonly onEvent = async (event: BusEvent): Promise<void> => {
    await this.recordBatch([event]);
  };

  /** The bus handler for a batch: one transaction for all. Returns how many were new. */
  readonly recordBatch = async (events: BusEvent[]): Promise<number> => {
    const rows = new Map<string, UsageRow>();
    for (const e of events) {
      const row = this.toRow(e);
      if (row) rows.set(row.eventId, row);
    }
    if (rows.size === 0) return 0;
    return recordRows(this.db, [...rows.values()]);
  };

  toRow(event: BusEvent): UsageRow | null {
    if (event.topic === Topics.requestCompleted) return this.requestRow(decodeOnce(RequestCompleted, event));
    if (event.topic === Topics.providerAttempt) return this.attemptRow(decodeOnce(ProviderAttempt, event));
    return null;
  }

  private requestRow(e: RequestCompleted): UsageRow {
    return {
      ...base(e.eventId, e.context, e.usage),
      kind: 'request',
      operation: e.operation || 'chat',
      model: e.servedModel || e.requestedModel,
      provider: e.provider,
      attempt: 0,
      status: e.status,
      httpStatus: e.httpStatus,
      occurredAt: new Date(e.startedAtMs),
      costPico: 0n,
      priced: false,
      priceEffectiveFrom: null,
      usageEstimated: false,
    };
  }

  private attemptRow(e: ProviderAttempt): UsageRow {
    const row = base(e.eventId, e.context, e.usage);
    const occurredAt = new Date(e.startedAtMs);
    const price = this.pricer.price({ provider: e.provider, upstreamModel: e.upstreamModel, model: e.model, at: occurredAt, ...row });
    return {
      ...row,
      kind: 'attempt',
      operation: e.operation || 'chat',
      model: e.model,
      provider: e.provider,
      attempt: e.attempt,
      status: e.status,
      httpStatus: e.httpStatus,
      occurredAt,
      costPico: price.costPico,
      priced: price.effectiveFrom !== null,
      priceEffectiveFrom: price.effectiveFrom,
      usageEstimated: e.usageEstimated,
    };
  }
}

function base(eventId: string, c: RequestContext | undefined, u: Usage | undefined) {
  return {
    eventId,
    requestId: c?.requestId ?? '',
    tenantId: c?.tenantId ?? '',
    teamId: c?.teamId ?? '',
    keyId: c?.keyId ?? '',
    endUser: c?.endUser ?? '',
    promptType: c?.promptType ?? '',
    tags: c?.tags ?? {},
    promptTokens: u?.promptTokens ?? 0,
    completionTokens: u?.completionTokens ?? 0,
    cachedTokens: u?.cachedTokens ?? 0,
    reasoningTokens: u?.reasoningTokens ?? 0,
    totalTokens: u?.totalTokens ?? 0,
  };
}

const HOURLY_DIMS = 'kind, operation, tenant_id, team_id, key_id, end_user, model, provider, prompt_type';

/**
 * One statement, so one round trip and its own transaction: insert the records that are new,
 * then add exactly those to the hourly and tag aggregates. Rows reach PostgreSQL as one JSON
 * document (cheaper to build than per-column arrays). Aggregate rows are written in key order so
 * concurrent batches lock them in the same order and cannot deadlock.
 */
const RECORD_BATCH_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(event_id uuid, kind text, operation text, request_id text, tenant_id text,
    team_id text, key_id text, end_user text, model text, provider text, prompt_type text, tags jsonb, attempt int,
    prompt_tokens int, completion_tokens int, cached_tokens int, reasoning_tokens int, total_tokens int, status text,
    http_status int, occurred_at timestamptz, cost_pico numeric, priced bool, price_effective_from timestamptz, usage_estimated bool)
),
ins AS (
  INSERT INTO metering.usage_records (event_id, kind, operation, request_id, tenant_id, team_id, key_id, end_user, model, provider,
    prompt_type, tags, attempt, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, total_tokens, status, http_status,
    occurred_at, cost_pico, priced, price_effective_from, usage_estimated)
  SELECT event_id, kind, operation, request_id, tenant_id, team_id, key_id, end_user, model, provider,
    prompt_type, tags, attempt, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, total_tokens, status, http_status,
    occurred_at, cost_pico, priced, price_effective_from, usage_estimated FROM input
  ON CONFLICT (event_id) DO NOTHING
  RETURNING *
),
hourly AS (
  INSERT INTO metering.usage_hourly (hour, ${HOURLY_DIMS}, events, failed, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_pico)
  SELECT date_trunc('hour', occurred_at), ${HOURLY_DIMS}, count(*), count(*) FILTER (WHERE status <> 'ok'),
    sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens), sum(reasoning_tokens), sum(cost_pico)
  FROM ins GROUP BY 1, ${HOURLY_DIMS} ORDER BY 1, ${HOURLY_DIMS}
  ON CONFLICT (hour, ${HOURLY_DIMS}) DO UPDATE SET
    events = usage_hourly.events + excluded.events,
    failed = usage_hourly.failed + excluded.failed,
    prompt_tokens = usage_hourly.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = usage_hourly.completion_tokens + excluded.completion_tokens,
    cached_tokens = usage_hourly.cached_tokens + excluded.cached_tokens,
    reasoning_tokens = usage_hourly.reasoning_tokens + excluded.reasoning_tokens,
    cost_pico = usage_hourly.cost_pico + excluded.cost_pico
  RETURNING 1
),
tagged AS (
  INSERT INTO metering.usage_hourly_tags (hour, kind, tenant_id, tag_key, tag_value, events, prompt_tokens, completion_tokens, cost_pico)
  SELECT date_trunc('hour', occurred_at), kind, tenant_id, t.key, t.value, count(*), sum(prompt_tokens), sum(completion_tokens), sum(cost_pico)
  FROM ins, jsonb_each_text(ins.tags) t GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (hour, kind, tenant_id, tag_key, tag_value) DO UPDATE SET
    events = usage_hourly_tags.events + excluded.events,
    prompt_tokens = usage_hourly_tags.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = usage_hourly_tags.completion_tokens + excluded.completion_tokens,
    cost_pico = usage_hourly_tags.cost_pico + excluded.cost_pico
  RETURNING 1
)
SELECT count(*)::int AS inserted FROM ins`;

/** Records the rows that are new and returns how many were. */
async function recordRows(db: DataSource, rows: UsageRow[]): Promise<number> {
  const json = JSON.stringify(
    rows.map((r) => ({
      event_id: r.eventId, kind: r.kind, operation: r.operation, request_id: r.requestId, tenant_id: r.tenantId, team_id: r.teamId,
      key_id: r.keyId, end_user: r.endUser, model: r.model, provider: r.provider, prompt_type: r.promptType, tags: r.tags,
      attempt: r.attempt, prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, cached_tokens: r.cachedTokens,
      reasoning_tokens: r.reasoningTokens, total_tokens: r.totalTokens, status: r.status, http_status: r.httpStatus,
      occurred_at: r.occurredAt.toISOString(), cost_pico: r.costPico.toString(), priced: r.priced,
      price_effective_from: r.priceEffectiveFrom?.toISOString() ?? null, usage_estimated: r.usageEstimated,
    })),
  );
  const [{ inserted }] = await db.query(RECORD_BATCH_SQL, [json]);
  return inserted;
}
