import { PriceOverride, Topics } from '@assay/contracts';
import { InProcessBus } from '@assay/messaging';
import { AssayConfigSchema } from '@assay/platform';
import { LivePriceCatalog, PriceCatalog, type ModelPrice } from '@assay/pricing';
import { CatalogPricer } from './catalog-pricer';
import { followPriceOverrides, modelPriceOf, priceOverrideEvent } from './price-override-feed';

const list = PriceCatalog.fromEntries([{ provider: 'acme', model: 'acme-1', effectiveFrom: '2026-01-01T00:00:00Z', inputPerMTok: '1', outputPerMTok: '2' }]);
const config = AssayConfigSchema.parse({ providers: { acme: { kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1' } }, models: [{ name: 'acme-1', provider: 'acme' }] });
const negotiated: ModelPrice = { provider: 'acme', model: 'acme-1', effectiveFrom: '2026-06-01T00:00:00.000Z', inputPerMTok: '0.5', outputPerMTok: '1', perRequest: '0.001' };
const million = { provider: 'acme', upstreamModel: 'acme-1', model: 'acme-1', promptTokens: 1_000_000, completionTokens: 1_000_000, cachedTokens: 0, reasoningTokens: 0 };

describe('price override events', () => {
  it('are keyed and identified by provider, model and start, and carry the entry unchanged', () => {
    const event = priceOverrideEvent(negotiated, new Date('2026-05-01T00:00:00Z'));
    expect(event).toMatchObject({ topic: Topics.priceOverride, key: 'acme/acme-1/2026-06-01T00:00:00.000Z', id: 'acme/acme-1/2026-06-01T00:00:00.000Z' });
    const message = PriceOverride.decode(event.value);
    expect(message.recordedAtMs).toBe(Date.parse('2026-05-01T00:00:00Z'));
    expect(modelPriceOf(message)).toEqual(negotiated);
  });
});

describe('followPriceOverrides', () => {
  it('makes a running pricer use an override for attempts from its effective time on, and the old price before', async () => {
    const bus = new InProcessBus({ batchWindowMs: 1 });
    const prices = new LivePriceCatalog(list);
    const pricer = CatalogPricer.fromConfig(prices, config);
    await followPriceOverrides(bus, prices, 'test');

    bus.publish(priceOverrideEvent(negotiated, new Date()));
    await bus.flush();

    // $1 + $2 at the list price; $0.50 + $1 + $0.001 per request at the negotiated one.
    expect(pricer.price({ ...million, at: new Date('2026-05-31T23:59:59Z') })).toEqual({ costPico: 3_000_000_000_000n, effectiveFrom: new Date('2026-01-01T00:00:00Z') });
    expect(pricer.price({ ...million, at: new Date('2026-06-01T00:00:00Z') })).toEqual({ costPico: 1_501_000_000_000n, effectiveFrom: new Date('2026-06-01T00:00:00Z') });
  });

  it('skips an unreadable or invalid message and still applies the next one', async () => {
    const bus = new InProcessBus({ batchWindowMs: 1 });
    const prices = new LivePriceCatalog(list);
    await followPriceOverrides(bus, prices, 'test');
    bus.publish(priceOverrideEvent({ ...negotiated, inputPerMTok: '0.0000001' }, new Date()));
    bus.publish({ topic: Topics.priceOverride, key: 'garbage', id: 'garbage', value: Buffer.from([0xff, 0xff, 0xff]) });
    bus.publish(priceOverrideEvent({ ...negotiated, effectiveFrom: '2026-07-01T00:00:00.000Z' }, new Date()));
    await bus.flush();
    expect(prices.addedOverrides().map((o) => o.effectiveFrom)).toEqual(['2026-07-01T00:00:00.000Z']);
  });
});
