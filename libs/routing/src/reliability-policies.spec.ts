import { backoffDelayMs, isRetryable } from './retry-policy';
import { CircuitBreaker } from './circuit-breaker';
import { KeyPool } from './key-pool';
import { pickDeployment } from './deployment-balancer';
import { planRoute } from './route-plan';

describe('retry policy', () => {
  it('retries throttling, timeouts and server errors but not client errors', () => {
    for (const status of [0, 408, 429, 500, 502, 503, 504, 529]) expect(isRetryable({ status })).toBe(true);
    for (const status of [400, 401, 403, 404, 422]) expect(isRetryable({ status })).toBe(false);
  });

  it('draws the delay uniformly below an exponentially growing, capped ceiling', () => {
    const settings = { baseMs: 100, maxMs: 1_000 };
    expect(backoffDelayMs(0, settings, { status: 500 }, () => 0.999)).toBe(99);
    expect(backoffDelayMs(2, settings, { status: 500 }, () => 0.5)).toBe(200);
    expect(backoffDelayMs(10, settings, { status: 500 }, () => 0.999)).toBe(999);
    expect(backoffDelayMs(3, settings, { status: 500 }, () => 0)).toBe(0);
  });

  it('waits at least as long as Retry-After asks', () => {
    expect(backoffDelayMs(0, { baseMs: 100, maxMs: 1_000 }, { status: 429, retryAfterSeconds: 3 }, () => 0.5)).toBe(3_000);
  });
});

describe('CircuitBreaker', () => {
  const settings = { failureThreshold: 3, cooldownMs: 1_000 };

  it('opens after the threshold of consecutive failures and refuses calls while open', () => {
    const b = new CircuitBreaker(settings);
    b.onFailure(0);
    b.onFailure(1);
    expect(b.tryAcquire(2)).toBe(true);
    b.onFailure(2);
    expect(b.stateAt(3)).toBe('open');
    expect(b.tryAcquire(500)).toBe(false);
  });

  it('lets a single probe through after the cooldown and closes when it succeeds', () => {
    const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1_000 });
    b.onFailure(0);
    expect(b.tryAcquire(1_000)).toBe(true);
    expect(b.tryAcquire(1_001)).toBe(false);
    b.onSuccess();
    expect(b.stateAt(1_002)).toBe('closed');
    expect(b.tryAcquire(1_002)).toBe(true);
  });

  it('opens again at once when the probe fails', () => {
    const b = new CircuitBreaker({ failureThreshold: 5, cooldownMs: 1_000 });
    for (let i = 0; i < 5; i++) b.onFailure(0);
    expect(b.tryAcquire(1_000)).toBe(true);
    b.onFailure(1_000);
    expect(b.tryAcquire(1_500)).toBe(false);
    expect(b.tryAcquire(2_000)).toBe(true);
  });

  it('forgets old failures after a success', () => {
    const b = new CircuitBreaker(settings);
    b.onFailure(0);
    b.onFailure(0);
    b.onSuccess();
    b.onFailure(0);
    b.onFailure(0);
    expect(b.stateAt(0)).toBe('closed');
  });
});

describe('KeyPool', () => {
  it('rotates through keys and skips the ones cooling down', () => {
    const pool = new KeyPool(['a', 'b', 'c']);
    expect([pool.next(0), pool.next(0), pool.next(0), pool.next(0)]).toEqual(['a', 'b', 'c', 'a']);
    pool.coolDown('b', 100);
    expect([pool.next(50), pool.next(50), pool.next(50)]).toEqual(['c', 'a', 'c']);
    expect(pool.next(100)).toBe('a');
  });

  it('has no key to give while every key cools down, and says when one is back', () => {
    const pool = new KeyPool(['a', 'b']);
    pool.coolDown('a', 300);
    pool.coolDown('b', 200);
    expect(pool.next(100)).toBeUndefined();
    expect(pool.nextAvailableAt()).toBe(200);
  });
});

describe('pickDeployment', () => {
  const make = (weight: number, outstanding = 0) => ({ weight, outstanding });

  it('follows the weights when nothing is outstanding', () => {
    const a = make(3);
    const b = make(1);
    let seed = 0;
    const counts = new Map([[a, 0], [b, 0]]);
    // An evenly spread sequence of "random" numbers makes the split exact.
    for (let i = 0; i < 400; i++) {
      const d = pickDeployment([a, b], () => true, new Set(), () => (seed++ % 400) / 400)!;
      counts.set(d, counts.get(d)! + 1);
    }
    expect(counts.get(a)).toBe(300);
    expect(counts.get(b)).toBe(100);
  });

  it('prefers the deployment with the fewest outstanding requests per weight', () => {
    const busy = make(1, 5);
    const idle = make(1, 1);
    expect(pickDeployment([busy, idle], () => true)).toBe(idle);
  });

  it('skips unavailable deployments, and already-tried ones while others remain', () => {
    const a = make(1);
    const b = make(1);
    const c = make(1);
    expect(pickDeployment([a, b, c], (d) => d !== b, new Set([a]))).toBe(c);
    expect(pickDeployment([a, b], (d) => d === a, new Set([a]))).toBe(a);
    expect(pickDeployment([a, b], () => false)).toBeUndefined();
  });
});

describe('planRoute', () => {
  it('routes to the requested model, then its fallbacks in order', () => {
    expect(planRoute({ models: [{ name: 'big', fallbacks: ['mid', 'small'] }] }, 'big')).toEqual({ primary: 'big', fallbacks: ['mid', 'small'] });
  });

  it("uses a tenant's own chain for a model instead of the model's, and only for that tenant", () => {
    const table = {
      models: [{ name: 'big', fallbacks: ['mid', 'small'] }, { name: 'mid' }, { name: 'small' }],
      routing: { tenants: { acme: { fallbacks: { big: ['small'] } }, 'eu-only': { fallbacks: { big: [] } } } },
    };
    expect(planRoute(table, 'big', 'acme')).toEqual({ primary: 'big', fallbacks: ['small'] });
    expect(planRoute(table, 'big', 'eu-only')).toEqual({ primary: 'big', fallbacks: [] });
    expect(planRoute(table, 'big', 'other')).toEqual({ primary: 'big', fallbacks: ['mid', 'small'] });
    expect(planRoute(table, 'mid', 'acme')).toEqual({ primary: 'mid', fallbacks: [] });
  });

  it('does not mistake Object.prototype members for tenants or models', () => {
    const table = { models: [{ name: 'toString', fallbacks: ['big'] }, { name: 'big' }], routing: { tenants: { acme: { fallbacks: {} } } } };
    expect(planRoute(table, 'toString', 'constructor')).toEqual({ primary: 'toString', fallbacks: ['big'] });
    expect(planRoute(table, 'toString', 'acme')).toEqual({ primary: 'toString', fallbacks: ['big'] });
  });

  it('rejects a model that is not configured', () => {
    expect(() => planRoute({ models: [{ name: 'big' }] }, 'other')).toThrow(expect.objectContaining({ status: 404, code: 'model_not_found' }));
  });
});
