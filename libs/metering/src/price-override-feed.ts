// Operator price overrides on the compacted topic assay.price.override.v1: their wire form (the
// PriceOverride message, published by billing) and the consumer that keeps a process's
// LivePriceCatalog current. Every pricing process (metering, billing's charger, the provider
// connector, the evaluator) follows the whole topic in memory, so pricing never waits on the
// broker or a database; a new override reaches each of them in the broker's fetch latency.
import { PriceOverride, Topics } from '@assay/contracts';
import type { BusEvent, EventSubscriber } from '@assay/messaging';
import { Logger, type AssayConfig } from '@assay/platform';
import { LivePriceCatalog, loadDefaultCatalog, priceOverrideKey, type ModelPrice } from '@assay/pricing';

/** The list prices with the config's overrides on top: what a process prices with before any API override arrives. */
export function livePriceCatalog(config: AssayConfig): LivePriceCatalog {
  return new LivePriceCatalog(loadDefaultCatalog(), config.priceOverrides as unknown as ModelPrice[]);
}

/**
 * The event that publishes an override. Key and id are both the override's identity
 * (`<provider>/<model>/<effective_from>`): a recorded override never changes, so publishing it
 * again is the same event, and compaction keeps exactly one message per override.
 */
export function priceOverrideEvent(entry: ModelPrice, recordedAt: Date): BusEvent {
  const key = priceOverrideKey(entry);
  const message: PriceOverride = {
    eventId: key,
    provider: entry.provider,
    model: entry.model,
    effectiveFrom: new Date(entry.effectiveFrom).toISOString(),
    inputPerMtok: entry.inputPerMTok,
    outputPerMtok: entry.outputPerMTok,
    cachedInputPerMtok: entry.cachedInputPerMTok ?? '',
    cacheWritePerMtok: entry.cacheWritePerMTok ?? '',
    reasoningPerMtok: entry.reasoningPerMTok ?? '',
    perRequest: entry.perRequest ?? '',
    perImage: entry.perImage ?? '',
    note: entry.note ?? '',
    recordedAtMs: recordedAt.getTime(),
  };
  return { topic: Topics.priceOverride, key, id: key, value: PriceOverride.encode(message).finish() };
}

/** The catalog entry a PriceOverride message carries ("" fields are left out: the catalog defaults apply). */
export function modelPriceOf(message: PriceOverride): ModelPrice {
  const optional = (value: string) => (value === '' ? undefined : value);
  const entry: ModelPrice = {
    provider: message.provider,
    model: message.model,
    effectiveFrom: message.effectiveFrom,
    inputPerMTok: message.inputPerMtok,
    outputPerMTok: message.outputPerMtok,
    cachedInputPerMTok: optional(message.cachedInputPerMtok),
    cacheWritePerMTok: optional(message.cacheWritePerMtok),
    reasoningPerMTok: optional(message.reasoningPerMtok),
    perRequest: optional(message.perRequest),
    perImage: optional(message.perImage),
    note: optional(message.note),
  };
  // Undefined keys would fail the catalog's strict schema as "present"; drop them.
  return Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)) as unknown as ModelPrice;
}

/**
 * Applies every override on the topic to `prices`, then keeps applying new ones. Resolves once
 * the overrides published before the call are applied (see EventSubscriber.subscribeCompacted):
 * a consumer that prices usage must wait for this before it consumes usage, or a backlog would be
 * priced without them.
 */
export async function followPriceOverrides(subscriber: EventSubscriber, prices: LivePriceCatalog, groupPrefix: string): Promise<void> {
  await subscriber.subscribeCompacted(groupPrefix, Topics.priceOverride, applyPriceOverrideEvents(prices));
}

/**
 * The handler of price-override events for `prices`, for a pricer that gets them other than by
 * subscribing itself (a worker thread the events are handed to). Never throws: a message that
 * cannot be read or priced is logged and skipped, since redelivering it would stall every later
 * price change.
 */
export function applyPriceOverrideEvents(prices: LivePriceCatalog): (events: BusEvent[]) => Promise<void> {
  const log = new Logger('price-overrides');
  return async (events) => {
    const entries: ModelPrice[] = [];
    for (const event of events) {
      try {
        entries.push(modelPriceOf(PriceOverride.decode(event.value)));
      } catch (error) {
        log.error('skipping an unreadable price override', { key: event.key, error: String(error) });
      }
    }
    const { applied, rejected } = prices.apply(entries);
    for (const r of rejected) log.error('skipping an invalid price override', { key: priceOverrideKey(r.entry), reason: r.reason });
    if (applied > 0) log.info('price overrides applied', { applied, catalog: prices.current.version });
  };
}

/**
 * followPriceOverrides for a process that must not wait for the broker to start serving (the
 * provider connector, whose cost header is informational): list and config prices apply until
 * the overrides are read; a broker that is away is retried until it answers.
 */
export function followPriceOverridesInBackground(subscriber: EventSubscriber, prices: LivePriceCatalog, groupPrefix: string): void {
  const log = new Logger('price-overrides');
  const attempt = (failures: number): void => {
    followPriceOverrides(subscriber, prices, groupPrefix).then(
      () => log.info('following price overrides', { overrides: prices.addedOverrides().length }),
      (error: unknown) => {
        // Why at most 30 s between tries: an outage of the broker is noticed within half a minute of its end.
        const delayMs = Math.min(30_000, 1_000 * 2 ** failures);
        log.warn('cannot read price overrides yet; list and config prices apply meanwhile', { error: String(error), retryInMs: delayMs });
        setTimeout(() => attempt(failures + 1), delayMs).unref();
      },
    );
  };
  attempt(0);
}
