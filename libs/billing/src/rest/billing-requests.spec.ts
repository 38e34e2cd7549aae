import { AssayError } from '@assay/platform';
import { budgetCapBody, budgetIdParam, leaseRequestBody, parseBody, planAssignmentBody, renewBody, settleBody } from './billing-requests';

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
});
