// The body of PUT /v1/billing/prices. Amounts are USD as decimal strings (never JSON numbers, so
// no parser on either side makes a float of them), read with the price catalog's own money
// parsers: per million tokens with at most 6 decimals (one token is then a whole number of
// picodollars), fees with at most 12 (one picodollar).
import { InvalidMoneyAmount, parseUsd, perTokenPico, type ModelPrice } from '@assay/pricing';
import { z } from 'zod';

/**
 * Why 12 integer digits: a trillion dollars per million tokens is beyond any real price, and it
 * keeps every amount inside the numeric(30,6) / numeric(30,12) columns.
 */
const PLAIN_AMOUNT = /^\d{1,12}(\.\d+)?$/;

function perMTok(field: string) {
  const message = `'${field}' must be USD per million tokens as a decimal string with at most 6 decimals, such as "2.50".`;
  return z.string({ error: message }).refine((s) => PLAIN_AMOUNT.test(s) && parses(() => perTokenPico(s)), message);
}

function usdFee(field: string) {
  const message = `'${field}' must be USD as a decimal string with at most 12 decimals, such as "0.002".`;
  return z.string({ error: message }).refine((s) => PLAIN_AMOUNT.test(s) && parses(() => parseUsd(s)), message);
}

function name(field: string, pattern: RegExp, what: string) {
  const message = `'${field}' is required: ${what}, at most 200 characters.`;
  return z.string({ error: message }).min(1, message).max(200, message).regex(pattern, message);
}

export const priceOverrideBody = z.strictObject({
  // The catalog's provider ("openai", or an operator's own name); "/" would make the topic key ambiguous.
  provider: name('provider', /^[^\s/]+$/, 'the price catalog provider, without spaces or "/"'),
  model: name('model', /^\S+$/, 'the model name, without spaces'),
  effective_from: z.iso.datetime({ offset: true, error: "'effective_from' must be an ISO-8601 time with a zone, e.g. 2026-06-01T00:00:00Z." }).optional(),
  input_per_mtok: perMTok('input_per_mtok'),
  output_per_mtok: perMTok('output_per_mtok'),
  cached_input_per_mtok: perMTok('cached_input_per_mtok').optional(),
  cache_write_per_mtok: perMTok('cache_write_per_mtok').optional(),
  reasoning_per_mtok: perMTok('reasoning_per_mtok').optional(),
  per_request: usdFee('per_request').optional(),
  per_image: usdFee('per_image').optional(),
  note: z.string({ error: "'note' must be a string of at most 500 characters." }).max(500, "'note' must be a string of at most 500 characters.").optional(),
});

export type PriceOverrideBody = z.output<typeof priceOverrideBody>;

/** The catalog entry a request body describes, starting at `now` unless it says when. */
export function modelPriceFromBody(body: PriceOverrideBody, now: Date): ModelPrice {
  const entry: ModelPrice = {
    provider: body.provider,
    model: body.model,
    effectiveFrom: body.effective_from ? new Date(body.effective_from).toISOString() : now.toISOString(),
    inputPerMTok: body.input_per_mtok,
    outputPerMTok: body.output_per_mtok,
  };
  if (body.cached_input_per_mtok !== undefined) entry.cachedInputPerMTok = body.cached_input_per_mtok;
  if (body.cache_write_per_mtok !== undefined) entry.cacheWritePerMTok = body.cache_write_per_mtok;
  if (body.reasoning_per_mtok !== undefined) entry.reasoningPerMTok = body.reasoning_per_mtok;
  if (body.per_request !== undefined) entry.perRequest = body.per_request;
  if (body.per_image !== undefined) entry.perImage = body.per_image;
  if (body.note !== undefined) entry.note = body.note;
  return entry;
}

/** The wire form of an override in answers: the request's field names, unset amounts as null. */
export function priceOverrideJson(price: ModelPrice, recordedAt: Date) {
  return {
    provider: price.provider,
    model: price.model,
    effective_from: new Date(price.effectiveFrom).toISOString(),
    input_per_mtok: price.inputPerMTok,
    output_per_mtok: price.outputPerMTok,
    cached_input_per_mtok: price.cachedInputPerMTok ?? null,
    cache_write_per_mtok: price.cacheWritePerMTok ?? null,
    reasoning_per_mtok: price.reasoningPerMTok ?? null,
    per_request: price.perRequest ?? null,
    per_image: price.perImage ?? null,
    note: price.note ?? null,
    recorded_at: recordedAt.toISOString(),
  };
}

function parses(read: () => unknown): boolean {
  try {
    read();
    return true;
  } catch (error) {
    if (error instanceof InvalidMoneyAmount || error instanceof RangeError) return false;
    throw error;
  }
}
