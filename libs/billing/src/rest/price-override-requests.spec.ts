import { AssayError } from '@assay/platform';
import { canonicalDecimal } from '../price-overrides';
import { parseBody } from './billing-requests';
import { modelPriceFromBody, priceOverrideBody } from './price-override-requests';

function refusal(run: () => unknown): { status: number; message: string; param: string | null } {
  try {
    run();
  } catch (e) {
    if (e instanceof AssayError) return { status: e.status, message: e.message, param: e.param };
    throw e;
  }
  throw new Error('accepted');
}

const valid = { provider: 'openai', model: 'gpt-4o', input_per_mtok: '2.50', output_per_mtok: '10' };

describe('price override requests', () => {
  it('turns a body into a catalog entry that starts now unless it says when', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    expect(modelPriceFromBody(parseBody(priceOverrideBody, valid), now)).toEqual({
      provider: 'openai', model: 'gpt-4o', effectiveFrom: '2026-03-01T12:00:00.000Z', inputPerMTok: '2.50', outputPerMTok: '10',
    });
    const full = { ...valid, effective_from: '2026-04-01T02:00:00+02:00', cached_input_per_mtok: '1.25', cache_write_per_mtok: '3.125', reasoning_per_mtok: '12', per_request: '0.000001', per_image: '0.002', note: 'contract 42' };
    expect(modelPriceFromBody(parseBody(priceOverrideBody, full), now)).toEqual({
      provider: 'openai', model: 'gpt-4o', effectiveFrom: '2026-04-01T00:00:00.000Z', inputPerMTok: '2.50', outputPerMTok: '10',
      cachedInputPerMTok: '1.25', cacheWritePerMTok: '3.125', reasoningPerMTok: '12', perRequest: '0.000001', perImage: '0.002', note: 'contract 42',
    });
  });

  it.each([
    ['a JSON number', { input_per_mtok: 2.5 }, 'input_per_mtok'],
    ['more than 6 decimals per million tokens', { output_per_mtok: '0.0000001' }, 'output_per_mtok'],
    ['a negative price', { cached_input_per_mtok: '-1' }, 'cached_input_per_mtok'],
    ['an exponent', { reasoning_per_mtok: '1e3' }, 'reasoning_per_mtok'],
    ['a sign', { input_per_mtok: '+2' }, 'input_per_mtok'],
    ['more than 12 decimals of a fee', { per_request: '0.0000000000001' }, 'per_request'],
    ['an absurd amount', { input_per_mtok: '1000000000000' }, 'input_per_mtok'],
  ])('refuses %s with a 400 naming the field', (_, change, param) => {
    const r = refusal(() => parseBody(priceOverrideBody, { ...valid, ...change }));
    expect(r).toMatchObject({ status: 400, param });
    expect(r.message).toMatch(/decimal string/);
  });

  it('refuses missing prices, a provider with a slash, a time without a zone and unknown fields', () => {
    expect(refusal(() => parseBody(priceOverrideBody, { provider: 'openai', model: 'gpt-4o', input_per_mtok: '1' }))).toMatchObject({ status: 400, param: 'output_per_mtok' });
    expect(refusal(() => parseBody(priceOverrideBody, { ...valid, provider: 'a/b' }))).toMatchObject({ status: 400, param: 'provider' });
    expect(refusal(() => parseBody(priceOverrideBody, { ...valid, effective_from: '2026-06-01 00:00' }))).toMatchObject({ status: 400, param: 'effective_from' });
    expect(refusal(() => parseBody(priceOverrideBody, { ...valid, inputPerMTok: '1' }))).toMatchObject({ status: 400, param: 'inputPerMTok', message: "Unknown field 'inputPerMTok'." });
  });

  it('spells amounts one way, so a recorded override and its retry compare equal', () => {
    expect(['2.500000', '007', '0.0', '10', '0.000000000001', '1.10'].map(canonicalDecimal)).toEqual(['2.5', '7', '0', '10', '0.000000000001', '1.1']);
  });
});
