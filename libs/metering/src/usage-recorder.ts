// Turns RequestCompleted and ProviderAttempt events into usage records. Idempotent: the event id
// is the primary key and a duplicate insert is ignored, so at-least-once delivery has an
// exactly-once effect.
import type { DataSource } from 'typeorm';
import { ProviderAttempt, RequestCompleted, Topics } from '@assay/contracts';
import type { BusEvent } from '@assay/messaging';
import { UsageRecordEntity } from './usage-record.entity';

export class UsageRecorder {
  constructor(private readonly db: DataSource) {}

  /** The bus handler: dispatches by topic. */
  readonly onEvent = async (event: BusEvent): Promise<void> => {
    if (event.topic === Topics.requestCompleted) await this.onRequestCompleted(RequestCompleted.decode(event.value));
    else if (event.topic === Topics.providerAttempt) await this.onProviderAttempt(ProviderAttempt.decode(event.value));
  };

  async onRequestCompleted(e: RequestCompleted): Promise<boolean> {
    return this.record({
      eventId: e.eventId,
      kind: 'request',
      requestId: e.context?.requestId ?? '',
      tenantId: e.context?.tenantId ?? '',
      keyId: e.context?.keyId ?? '',
      model: e.servedModel || e.requestedModel,
      provider: e.provider,
      attempt: 0,
      ...tokens(e.usage),
      status: e.status,
      httpStatus: e.httpStatus,
      occurredAt: new Date(e.startedAtMs),
    });
  }

  async onProviderAttempt(e: ProviderAttempt): Promise<boolean> {
    return this.record({
      eventId: e.eventId,
      kind: 'attempt',
      requestId: e.context?.requestId ?? '',
      tenantId: e.context?.tenantId ?? '',
      keyId: e.context?.keyId ?? '',
      model: e.model,
      provider: e.provider,
      attempt: e.attempt,
      ...tokens(e.usage),
      status: e.status,
      httpStatus: e.httpStatus,
      occurredAt: new Date(e.startedAtMs),
    });
  }

  /** Returns false when the event had been recorded already. */
  private async record(row: UsageRecordEntity): Promise<boolean> {
    const result = await this.db.createQueryBuilder().insert().into(UsageRecordEntity).values(row).orIgnore().returning('event_id').execute();
    return (result.raw as unknown[]).length > 0;
  }
}

function tokens(u: RequestCompleted['usage']) {
  return {
    promptTokens: u?.promptTokens ?? 0,
    completionTokens: u?.completionTokens ?? 0,
    cachedTokens: u?.cachedTokens ?? 0,
    reasoningTokens: u?.reasoningTokens ?? 0,
    totalTokens: u?.totalTokens ?? 0,
  };
}
