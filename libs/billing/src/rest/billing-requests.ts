// The bodies and path parameters the billing API accepts, validated with zod. Budget amounts
// travel as decimal strings of credit micro-units (1 credit = 1,000,000 units): integers only;
// ledger postings (grants, purchases, refunds, adjustments) as decimal strings of credits with at
// most 6 decimals ("0.5"), exact in micro-units. Strings, so no JSON parser on either side turns
// a large amount into a float.
import { AssayError } from '@assay/platform';
import { z } from 'zod';
import { MAX_LEASE_TTL_SECONDS } from '../budget-lease';
import { isValidTenantId, type CreditUnits } from '../ledger';
import { creditUnits } from '../pricing-plan';

/** Why 30 digits: 10^24 credits is beyond any budget, and sums stay far inside numeric(38,0). */
const UNITS = /^\d{1,30}$/;

function units(field: string) {
  const message = `'${field}' must be a decimal string of credit micro-units: a non-negative integer such as "5000000" (1 credit = 1,000,000 units).`;
  return z.string({ error: message }).regex(UNITS, message).transform((s) => BigInt(s));
}

function identifier(field: string) {
  return z.string({ error: `'${field}' is required: a non-empty string of at most 200 characters.` }).min(1, `'${field}' must not be empty.`).max(200, `'${field}' is longer than 200 characters.`);
}

/** A lease lifetime in seconds: a JSON integer (it is no amount, so no string). */
function ttlSeconds() {
  const message = `'ttl_seconds' must be a whole number of seconds from 1 to ${MAX_LEASE_TTL_SECONDS}.`;
  return z.number({ error: message }).int(message).min(1, message).max(MAX_LEASE_TTL_SECONDS, message);
}

/** Why 24 integer digits: 10^24 credits (10^30 micro-units) is beyond any balance, and sums stay far inside numeric(38,0). */
const CREDITS = /^-?\d{1,24}(\.\d{1,6})?$/;

/** "-2.5" credits → -2_500_000n units. */
function signedCreditUnits(decimal: string): CreditUnits {
  return decimal.startsWith('-') ? -creditUnits(decimal.slice(1)) : creditUnits(decimal);
}

/** A ledger amount in credits: positive, or (`signed`) any but zero, where negative takes credits away. */
function credits(field: string, sign: 'positive' | 'signed') {
  const message =
    sign === 'positive'
      ? `'${field}' must be a decimal string of credits greater than zero, with at most 6 decimals, such as "100" or "0.5".`
      : `'${field}' must be a decimal string of credits other than zero, with at most 6 decimals, such as "100" or "-2.5" (negative takes credits away).`;
  return z
    .string({ error: message })
    .regex(CREDITS, message)
    .transform(signedCreditUnits)
    .refine((v) => (sign === 'positive' ? v > 0n : v !== 0n), message);
}

function text(field: string, max: number) {
  const message = `'${field}' must be a non-blank string of at most ${max} characters.`;
  return z.string({ error: message }).max(max, message).refine((s) => s.trim().length > 0, message);
}

const tenantIdField = identifier('tenant_id').refine(isValidTenantId, "'tenant_id' must not contain ':' or whitespace.");

/** When credits expire: a time with a zone; that it lies ahead is checked when posting. */
const expiresAt = z.iso.datetime({ offset: true, error: "'expires_at' must be an ISO-8601 time with a zone, e.g. 2026-12-31T00:00:00Z." });

export const grantBody = z.strictObject({
  tenant_id: tenantIdField,
  credits: credits('credits', 'positive'),
  // Optional for callers that never retry; without it every call is a new grant.
  grant_id: identifier('grant_id').optional(),
  reference: text('reference', 500).optional(),
  expires_at: expiresAt.optional(),
});

export const purchaseBody = z.strictObject({
  tenant_id: tenantIdField,
  credits: credits('credits', 'positive'),
  payment_reference: identifier('payment_reference'),
  expires_at: expiresAt.optional(),
});

export const refundBody = z.strictObject({
  tenant_id: tenantIdField,
  credits: credits('credits', 'positive'),
  refund_id: identifier('refund_id'),
  request_id: identifier('request_id').optional(),
});

export const adjustmentBody = z.strictObject({
  tenant_id: tenantIdField,
  credits: credits('credits', 'signed'),
  adjustment_id: identifier('adjustment_id'),
  reason: text('reason', 500),
});

export const budgetCapBody = z.strictObject({ cap_units: units('cap_units') });

export const leaseRequestBody = z.strictObject({
  holder_id: identifier('holder_id'),
  requested_units: units('requested_units').refine((v) => v > 0n, "'requested_units' must be greater than zero."),
  ttl_seconds: ttlSeconds().optional(),
  request_id: identifier('request_id').optional(),
});

export const renewBody = z.strictObject({ ttl_seconds: ttlSeconds().optional() });

export const settleBody = z.strictObject({
  settle_id: identifier('settle_id'),
  spent_units: units('spent_units'),
  close: z.boolean({ error: "'close' must be true or false." }).default(false),
});

export const planAssignmentBody = z.strictObject({
  plan: identifier('plan'),
  effective_from: z.iso.datetime({ offset: true, error: "'effective_from' must be an ISO-8601 time with a zone, e.g. 2026-06-01T00:00:00Z." }).optional(),
});

/** A scope and an id: tenant:acme, team:acme/search, key:k_123 (lower-case scope, no whitespace). */
const BUDGET_ID = /^[a-z][a-z0-9_]*:\S+$/;

export function budgetIdParam(budgetId: string): string {
  if (budgetId.length > 256 || !BUDGET_ID.test(budgetId)) {
    throw AssayError.invalidRequest(`Invalid budget id ${JSON.stringify(budgetId)}: expected <scope>:<id> such as tenant:acme or team:acme/search (URL-encode it in the path).`, 'budget_id');
  }
  return budgetId;
}

export function tenantIdParam(tenantId: string): string {
  if (tenantId.length > 200 || !isValidTenantId(tenantId)) throw AssayError.invalidRequest(`Invalid tenant id ${JSON.stringify(tenantId)}.`, 'tenant_id');
  return tenantId;
}

/** Parses a body, or throws a 400 naming the first problem. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  // An unknown field first: `capUnits` for `cap_units` is the likeliest mistake, and its name says it.
  const issue = result.error.issues.find((i) => i.code === 'unrecognized_keys') ?? result.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    return fail(`Unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}.`, issue.keys[0]);
  }
  return fail(issue.message, issue.path.length > 0 ? issue.path.join('.') : null);
}

function fail(message: string, param: string | null): never {
  throw AssayError.invalidRequest(message, param);
}
