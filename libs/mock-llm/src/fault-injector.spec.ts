import { checkApiKey, FaultInjector, presentedApiKey } from './fault-injector';
import { BehaviourResolver, parseMockConfig } from './mock-config';

function behaviour(config: object) {
  return new BehaviourResolver(parseMockConfig(config)).forModel('m');
}

function failingRequests(config: object, total: number): number[] {
  const faults = new FaultInjector();
  const b = behaviour(config);
  const failed: number[] = [];
  for (let n = 1; n <= total; n++) if (faults.nextFault('m', b)) failed.push(n);
  return failed;
}

describe('FaultInjector', () => {
  it('spreads errorRate failures evenly and deterministically', () => {
    expect(failingRequests({ errorRate: 0.25 }, 12)).toEqual([4, 8, 12]);
  });

  it('fails exactly the first N requests with failFirst', () => {
    expect(failingRequests({ failFirst: 2 }, 5)).toEqual([1, 2]);
  });

  it('rate-limits every Nth request with its Retry-After', () => {
    const faults = new FaultInjector();
    const b = behaviour({ rateLimit: { everyNth: 2, retryAfterSeconds: 7 } });
    expect(faults.nextFault('m', b)).toBeUndefined();
    expect(faults.nextFault('m', b)).toMatchObject({ status: 429, retryAfterSeconds: 7 });
  });

  it('accepts the required key from a bearer token or x-api-key and rejects others', () => {
    const b = behaviour({ requireApiKey: 'sk-good' });
    expect(checkApiKey(b, presentedApiKey('Bearer sk-good', undefined))).toBeUndefined();
    expect(checkApiKey(b, presentedApiKey(undefined, 'sk-good'))).toBeUndefined();
    expect(checkApiKey(b, presentedApiKey('Bearer sk-bad', undefined))).toMatchObject({ status: 401, reason: 'invalid_api_key' });
  });
});
