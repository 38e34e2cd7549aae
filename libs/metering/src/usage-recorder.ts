// Turns RequestCompleted and ProviderAttempt events into priced usage records and hourly
// aggregates, a batch per database transaction. Idempotent: the event id is the primary key, a
// duplicate is ignored, and only newly inserted records are added to the aggregates, in the same
// transaction, so at-least-once delivery has an exactly-once effect and the aggregates always
// equal the sums of the raw records.
import type { DataSource, EntityManager } from 'typeorm';
import { ProviderAttempt, RequestCompleted, Topics, type RequestContext, type Usage } from '@assay/contracts';
import type { BusEvent } from '@assay/messaging';
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

const HOUR_MS = 3_600_000;

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
    return this.db.transaction(async (tx) => {
      const fresh = await insertRecords(tx, [...rows.values()]);
      if (fresh.length > 0) {
        await addToHourly(tx, fresh);
        await addToHourlyTags(tx, fresh);
      }
      return fresh.length;
    });
  };

  toRow(event: BusEvent): UsageRow | null {
    if (event.topic === Topics.requestCompleted) return this.requestRow(RequestCompleted.decode(event.value));
    if (event.topic === Topics.providerAttempt) return this.attemptRow(ProviderAttempt.decode(event.value));
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

/** Inserts the rows that are not there yet and returns those. */
async function insertRecords(tx: EntityManager, rows: UsageRow[]): Promise<UsageRow[]> {
  const col = <T>(f: (r: UsageRow) => T) => rows.map(f);
  const inserted: Array<{ event_id: string }> = await tx.query(
    `INSERT INTO metering.usage_records (event_id, kind, operation, request_id, tenant_id, team_id, key_id, end_user, model, provider,
       prompt_type, tags, attempt, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, total_tokens, status, http_status,
       occurred_at, cost_pico, priced, price_effective_from, usage_estimated)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
       $11::text[], $12::jsonb[], $13::int[], $14::int[], $15::int[], $16::int[], $17::int[], $18::int[], $19::text[], $20::int[],
       $21::timestamptz[], $22::numeric[], $23::bool[], $24::timestamptz[], $25::bool[])
     ON CONFLICT (event_id) DO NOTHING
     RETURNING event_id`,
    [
      col((r) => r.eventId), col((r) => r.kind), col((r) => r.operation), col((r) => r.requestId), col((r) => r.tenantId),
      col((r) => r.teamId), col((r) => r.keyId), col((r) => r.endUser), col((r) => r.model), col((r) => r.provider),
      col((r) => r.promptType), col((r) => JSON.stringify(r.tags)), col((r) => r.attempt), col((r) => r.promptTokens),
      col((r) => r.completionTokens), col((r) => r.cachedTokens), col((r) => r.reasoningTokens), col((r) => r.totalTokens),
      col((r) => r.status), col((r) => r.httpStatus), col((r) => r.occurredAt), col((r) => r.costPico.toString()),
      col((r) => r.priced), col((r) => r.priceEffectiveFrom), col((r) => r.usageEstimated),
    ],
  );
  const fresh = new Set(inserted.map((r) => r.event_id));
  return rows.filter((r) => fresh.has(r.eventId));
}

function hourOf(d: Date): Date {
  return new Date(Math.floor(d.getTime() / HOUR_MS) * HOUR_MS);
}

interface HourlySums {
  dims: string[];
  hour: Date;
  events: number;
  failed: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  costPico: bigint;
}

function sumInto<K extends string[]>(groups: Map<string, HourlySums>, hour: Date, dims: K, r: UsageRow): void {
  const key = `${hour.toISOString()}|${dims.join('|')}`;
  let g = groups.get(key);
  if (!g) {
    g = { dims, hour, events: 0, failed: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0, costPico: 0n };
    groups.set(key, g);
  }
  g.events += 1;
  g.failed += r.status === 'ok' ? 0 : 1;
  g.promptTokens += r.promptTokens;
  g.completionTokens += r.completionTokens;
  g.cachedTokens += r.cachedTokens;
  g.reasoningTokens += r.reasoningTokens;
  g.costPico += r.costPico;
}

/** Sorted, so concurrent transactions touch aggregate rows in one order and cannot deadlock. */
function sorted(groups: Map<string, HourlySums>): HourlySums[] {
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
}

async function addToHourly(tx: EntityManager, rows: UsageRow[]): Promise<void> {
  const groups = new Map<string, HourlySums>();
  for (const r of rows) sumInto(groups, hourOf(r.occurredAt), [r.kind, r.operation, r.tenantId, r.teamId, r.keyId, r.endUser, r.model, r.provider, r.promptType], r);
  const g = sorted(groups);
  const dim = (i: number) => g.map((x) => x.dims[i]);
  await tx.query(
    `INSERT INTO metering.usage_hourly (hour, kind, operation, tenant_id, team_id, key_id, end_user, model, provider, prompt_type,
       events, failed, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_pico)
     SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
       $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[], $16::bigint[], $17::numeric[])
     ON CONFLICT (hour, kind, operation, tenant_id, team_id, key_id, end_user, model, provider, prompt_type) DO UPDATE SET
       events = usage_hourly.events + excluded.events,
       failed = usage_hourly.failed + excluded.failed,
       prompt_tokens = usage_hourly.prompt_tokens + excluded.prompt_tokens,
       completion_tokens = usage_hourly.completion_tokens + excluded.completion_tokens,
       cached_tokens = usage_hourly.cached_tokens + excluded.cached_tokens,
       reasoning_tokens = usage_hourly.reasoning_tokens + excluded.reasoning_tokens,
       cost_pico = usage_hourly.cost_pico + excluded.cost_pico`,
    [
      g.map((x) => x.hour), dim(0), dim(1), dim(2), dim(3), dim(4), dim(5), dim(6), dim(7), dim(8),
      g.map((x) => x.events), g.map((x) => x.failed), g.map((x) => x.promptTokens), g.map((x) => x.completionTokens),
      g.map((x) => x.cachedTokens), g.map((x) => x.reasoningTokens), g.map((x) => x.costPico.toString()),
    ],
  );
}

async function addToHourlyTags(tx: EntityManager, rows: UsageRow[]): Promise<void> {
  const groups = new Map<string, HourlySums>();
  for (const r of rows) {
    for (const [k, v] of Object.entries(r.tags)) sumInto(groups, hourOf(r.occurredAt), [r.kind, r.tenantId, k, v], r);
  }
  if (groups.size === 0) return;
  const g = sorted(groups);
  const dim = (i: number) => g.map((x) => x.dims[i]);
  await tx.query(
    `INSERT INTO metering.usage_hourly_tags (hour, kind, tenant_id, tag_key, tag_value, events, prompt_tokens, completion_tokens, cost_pico)
     SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::numeric[])
     ON CONFLICT (hour, kind, tenant_id, tag_key, tag_value) DO UPDATE SET
       events = usage_hourly_tags.events + excluded.events,
       prompt_tokens = usage_hourly_tags.prompt_tokens + excluded.prompt_tokens,
       completion_tokens = usage_hourly_tags.completion_tokens + excluded.completion_tokens,
       cost_pico = usage_hourly_tags.cost_pico + excluded.cost_pico`,
    [g.map((x) => x.hour), dim(0), dim(1), dim(2), dim(3), g.map((x) => x.events), g.map((x) => x.promptTokens), g.map((x) => x.completionTokens), g.map((x) => x.costPico.toString())],
  );
}
