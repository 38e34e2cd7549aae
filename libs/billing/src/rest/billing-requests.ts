// The bodies and path parameters the billing API accepts, validated with zod. Credit amounts
// travel as decimal strings of credit micro-units (1 credit = 1,000,000 units): integers only,
// and strings so no JSON parser on either side turns a large amount into a float.
import { AssayError } from '@assay/platform';
import { z } from 'zod';
import { MAX_LEASE_TTL_SECONDS } from '../budget-lease';
import { isValidTenantId } from '../ledger';

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
