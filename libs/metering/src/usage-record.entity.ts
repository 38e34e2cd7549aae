import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One metered event: a customer request ('request', what the customer is charged for) or one
 * upstream call ('attempt', what the provider charges). Keyed by the event id, so a redelivered
 * event cannot be recorded twice.
 */
@Entity({ schema: 'metering', name: 'usage_records' })
export class UsageRecordEntity {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ type: 'text' })
  kind!: 'request' | 'attempt';

  @Column({ name: 'request_id', type: 'text' })
  requestId!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ name: 'key_id', type: 'text' })
  keyId!: string;

  @Column({ type: 'text' })
  model!: string;

  @Column({ type: 'text' })
  provider!: string;

  /** 0 for a request record; the 1-based attempt number for an attempt record. */
  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ name: 'prompt_tokens', type: 'integer' })
  promptTokens!: number;

  @Column({ name: 'completion_tokens', type: 'integer' })
  completionTokens!: number;

  @Column({ name: 'cached_tokens', type: 'integer' })
  cachedTokens!: number;

  @Column({ name: 'reasoning_tokens', type: 'integer' })
  reasoningTokens!: number;

  @Column({ name: 'total_tokens', type: 'integer' })
  totalTokens!: number;

  @Column({ type: 'text' })
  status!: string;

  @Column({ name: 'http_status', type: 'integer' })
  httpStatus!: number;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'text' })
  operation!: string;

  @Column({ name: 'team_id', type: 'text' })
  teamId!: string;

  @Column({ name: 'end_user', type: 'text' })
  endUser!: string;

  @Column({ name: 'prompt_type', type: 'text' })
  promptType!: string;

  @Column({ type: 'jsonb' })
  tags!: Record<string, string>;

  /** Picodollars (1e-12 USD); upstream cost, on attempt records. */
  @Column({ name: 'cost_pico', type: 'numeric', precision: 38, scale: 0, transformer: { to: (v: bigint) => v?.toString(), from: (v: string) => BigInt(v) } })
  costPico!: bigint;

  @Column({ type: 'boolean' })
  priced!: boolean;

  @Column({ name: 'price_effective_from', type: 'timestamptz', nullable: true })
  priceEffectiveFrom!: Date | null;

  @Column({ name: 'usage_estimated', type: 'boolean' })
  usageEstimated!: boolean;
}
