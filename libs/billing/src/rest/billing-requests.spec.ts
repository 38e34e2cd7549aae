import { AssayError } from '@assay/platform';
import {
  adjustmentBody,
  budgetCapBody,
  budgetIdParam,
  grantBody,
  leaseRequestBody,
  parseBody,
  planAssignmentBody,
  purchaseBody,
  refundBody,
  renewBody,
  settleBody,
} from './billing-requests';

function refusal(run: () => unknown): { status: number; message: string; param: string | null } {
  try {
    run();
  } catch (e) {
    if (e instanceof AssayError) return { status: e.status, message: e.message, param: e.param };
    throw e;
  }
  throw new Error('accepted');
}

describe('billing API requests', () => {
  it('takes credit amounts as decimal strings of micro-units and turns them into bigints', () => {
    expect(parseBody(budgetCapBody, { cap_units: '12345678901234567890' })).toEqual({ cap_units: 12_345_678_901_234_567_890n });
    expect(parseBody(settleBody, { settle_id: 's1', spent_units: '0' })).toEqual({ settle_id: 's1', spent_units: 0n, close: false });
  });

  it.each([
    ['a negative amount', { cap_units: '-1' }],
    ['a fraction', { cap_units: '1.5' }],
    ['a JSON number', { cap_units: 5_000_000 }],
    ['an exponent', { cap_units: '1e6' }],
    ['nothing', {}],
    ['no body at all', undefined],
  ])('refuses %s with a 400 naming the field', (_, body) => {
    const r = refusal(() => parseBody(budgetCapBody, body));
    expect(r).toMatchObject({ status: 400, param: 'cap_units' });
    expect(r.message).toContain('decimal string of credit micro-units');
  });

  it('refuses a lease request for nothing, and unknown fields by name', () => {
    expect(refusal(() => parseBody(leaseRequestBody, { holder_id: 'ingress-1', requested_units: '0' }))).toMatchObject({ status: 400, param: 'requested_units' });
    expect(refusal(() => parseBody(leaseRequestBody, { holderId: 'ingress-1', requested_units: '5' }))).toMatchObject({ status: 400, param: 'holderId', message: "Unknown field 'holderId'." });
    expect(refusal(() => parseBody(settleBody, { settle_id: 's', spent_units: '1', close: 'yes' }))).toMatchObject({ status: 400, param: 'close' });
  });

  it('takes an optional lease ttl of whole seconds up to an hour, and an optional request id', () => {
    expect(parseBody(leaseRequestBody, { holder_id: 'h', requested_units: '5' })).toEqual({ holder_id: 'h', requested_units: 5n });
    expect(parseBody(leaseRequestBody, { holder_id: 'h', requested_units: '5', ttl_seconds: 3_600, request_id: 'r-1' })).toEqual({
      holder_id: 'h', requested_units: 5n, ttl_seconds: 3_600, request_id: 'r-1',
    });
    for (const ttl of [0, 3_601, 2.5, '300', null]) {
      const r = refusal(() => parseBody(leaseRequestBody, { holder_id: 'h', requested_units: '5', ttl_seconds: ttl }));
      expect(r).toMatchObject({ status: 400, param: 'ttl_seconds', message: "'ttl_seconds' must be a whole number of seconds from 1 to 3600." });
    }
    expect(refusal(() => parseBody(leaseRequestBody, { holder_id: 'h', requested_units: '5', request_id: '' }))).toMatchObject({ status: 400, param: 'request_id' });
    expect(parseBody(renewBody, undefined)).toEqual({});
    expect(refusal(() => parseBody(renewBody, { ttl: 5 }))).toMatchObject({ status: 400, param: 'ttl' });
  });

  it('takes an effective time only with a zone', () => {
    expect(parseBody(planAssignmentBody, { plan: 'pro', effective_from: '2026-06-01T00:00:00Z' })).toEqual({ plan: 'pro', effective_from: '2026-06-01T00:00:00Z' });
    expect(refusal(() => parseBody(planAssignmentBody, { plan: 'pro', effective_from: '2026-06-01 00:00' }))).toMatchObject({ status: 400, param: 'effective_from' });
  });

  it('accepts budget ids of a scope and an id', () => {
    expect(budgetIdParam('team:acme/search')).toBe('team:acme/search');
    expect(refusal(() => budgetIdParam('acme'))).toMatchObject({ status: 400, param: 'budget_id' });
    expect(refusal(() => budgetIdParam('tenant:a b'))).toMatchObject({ status: 400 });
  });

  it('takes ledger postings in credits with up to 6 decimals, exact in micro-units', () => {
    expect(parseBody(grantBody, { tenant_id: 'acme', credits: '100', grant_id: 'welcome', expires_at: '2026-12-31T00:00:00Z' })).toEqual({
      tenant_id: 'acme', credits: 100_000_000n, grant_id: 'welcome', expires_at: '2026-12-31T00:00:00Z',
    });
    expect(parseBody(purchaseBody, { tenant_id: 'acme', credits: '0.000001', payment_reference: 'pi_1' })).toEqual({ tenant_id: 'acme', credits: 1n, payment_reference: 'pi_1' });
    expect(parseBody(refundBody, { tenant_id: 'acme', credits: '1.5', refund_id: 'r1', request_id: 'req-1' })).toEqual({ tenant_id: 'acme', credits: 1_500_000n, refund_id: 'r1', request_id: 'req-1' });
    expect(parseBody(adjustmentBody, { tenant_id: 'acme', credits: '-2.5', adjustment_id: 'a1', reason: 'double grant' })).toEqual({
      tenant_id: 'acme', credits: -2_500_000n, adjustment_id: 'a1', reason: 'double grant',
    });
    expect(parseBody(grantBody, { tenant_id: 'acme', credits: '123456789012345678901234.5' }).credits).toBe(123_456_789_012_345_678_901_234_500_000n);
  });

  it.each([
    ['a JSON number', 5],
    ['zero', '0'],
    ['a negative amount', '-1'],
    ['7 decimals', '0.0000001'],
    ['an exponent', '1e3'],
    ['a sign', '+1'],
    ['too many digits', '1234567890123456789012345'],
  ])('refuses %s of credits to grant, purchase or refund with a 400 naming the field', (_, credits) => {
    for (const [schema, body] of [
      [grantBody, { tenant_id: 'acme' }],
      [purchaseBody, { tenant_id: 'acme', payment_reference: 'p' }],
      [refundBody, { tenant_id: 'acme', refund_id: 'r' }],
    ] as const) {
      const r = refusal(() => parseBody(schema, { ...body, credits }));
      expect(r).toMatchObject({ status: 400, param: 'credits' });
      expect(r.message).toContain('decimal string of credits greater than zero');
    }
  });

  it('takes a correction in either direction but not of zero, and only with a reason', () => {
    expect(parseBody(adjustmentBody, { tenant_id: 'acme', credits: '3', adjustment_id: 'a', reason: 'goodwill' }).credits).toBe(3_000_000n);
    expect(refusal(() => parseBody(adjustmentBody, { tenant_id: 'acme', credits: '-0', adjustment_id: 'a', reason: 'x' }))).toMatchObject({ status: 400, param: 'credits' });
    expect(refusal(() => parseBody(adjustmentBody, { tenant_id: 'acme', credits: '1', adjustment_id: 'a' }))).toMatchObject({ status: 400, param: 'reason' });
    expect(refusal(() => parseBody(adjustmentBody, { tenant_id: 'acme', credits: '1', adjustment_id: 'a', reason: '   ' }))).toMatchObject({ status: 400, param: 'reason' });
  });

  it('needs the id each posting is idempotent on, a tenant id fit for account names, and an expiry with a zone', () => {
    expect(refusal(() => parseBody(purchaseBody, { tenant_id: 'acme', credits: '1' }))).toMatchObject({ status: 400, param: 'payment_reference' });
    expect(refusal(() => parseBody(refundBody, { tenant_id: 'acme', credits: '1', request_id: 'req-1' }))).toMatchObject({ status: 400, param: 'refund_id' });
    expect(refusal(() => parseBody(adjustmentBody, { tenant_id: 'acme', credits: '1', reason: 'x' }))).toMatchObject({ status: 400, param: 'adjustment_id' });
    expect(refusal(() => parseBody(grantBody, { tenant_id: 'ac:me', credits: '1' }))).toMatchObject({ status: 400, param: 'tenant_id' });
    expect(refusal(() => parseBody(grantBody, { credits: '1' }))).toMatchObject({ status: 400, param: 'tenant_id' });
    expect(refusal(() => parseBody(grantBody, { tenant_id: 'acme', credits: '1', expires_at: '2026-12-31' }))).toMatchObject({ status: 400, param: 'expires_at' });
    expect(refusal(() => parseBody(refundBody, { tenant_id: 'acme', credits: '1', refund_id: 'r', expires_at: '2026-12-31T00:00:00Z' }))).toMatchObject({
      status: 400, param: 'expires_at', message: "Unknown field 'expires_at'.",
    });
  });
});
