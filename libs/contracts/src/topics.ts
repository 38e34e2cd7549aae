// Kafka topic names, versioned. Keyed by tenant id so one tenant's events stay ordered, except the
// compacted topics, which are keyed by what their latest message describes.
export const Topics = {
  requestCompleted: 'assay.request.completed.v1',
  providerAttempt: 'assay.provider.attempt.v1',
  evalSample: 'assay.eval.sample.v1',
  evalVerdict: 'assay.eval.verdict.v1',
  parityDecision: 'assay.parity.decision.v1',
  ledgerEntry: 'assay.ledger.entry.v1',
  /** Compacted; key `<provider>/<model>/<effective_from>`; operator price overrides (PriceOverride). */
  priceOverride: 'assay.price.override.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];
