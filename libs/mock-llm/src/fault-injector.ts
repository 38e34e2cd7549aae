// Decides, per model, whether a request fails on purpose (failFirst, rateLimit.everyNth,
// errorRate) and checks the API key. Deterministic: counters, not randomness, so a test that
// configures "every 4th request fails" sees exactly that. Counters restart when the config changes.
import type { ModelBehaviour } from './mock-config';
import { MockProviderError } from './mock-provider-error';

export class FaultInjector {
  private readonly requestCounts = new Map<string, number>();

  reset(): void {
    this.requestCounts.clear();
  }

  /** Counts the request against `model` and returns the injected failure, if any. */
  nextFault(model: string, behaviour: ModelBehaviour): MockProviderError | undefined {
    if (behaviour.failFirst === 0 && behaviour.errorRate === 0 && behaviour.rateLimit?.everyNth === undefined) return undefined;
    const n = (this.requestCounts.get(model) ?? 0) + 1;
    this.requestCounts.set(model, n);
    if (n <= behaviour.failFirst) return injectedFailure(behaviour, `failFirst: request ${n} of ${behaviour.failFirst}`);
    const everyNth = behaviour.rateLimit?.everyNth;
    if (everyNth !== undefined && n % everyNth === 0) {
      return new MockProviderError(
        429,
        'rate_limited',
        `Rate limit reached for ${model}: every ${everyNth}th request is limited. Please try again later.`,
        null,
        behaviour.rateLimit?.retryAfterSeconds,
      );
    }
    // Fails exactly when floor(n * rate) advances: rate 0.25 fails requests 4, 8, 12, …
    if (behaviour.errorRate > 0 && Math.floor(n * behaviour.errorRate) > Math.floor((n - 1) * behaviour.errorRate)) {
      return injectedFailure(behaviour, `errorRate ${behaviour.errorRate}: request ${n} fails`);
    }
    return undefined;
  }
}

function injectedFailure(behaviour: ModelBehaviour, detail: string): MockProviderError {
  const status = behaviour.errorStatus;
  if (status === 429) {
    // Injected 429s carry Retry-After too, from rateLimit when configured, else one second.
    return new MockProviderError(429, 'rate_limited', `Rate limit reached (${detail}).`, null, behaviour.rateLimit?.retryAfterSeconds ?? 1);
  }
  return new MockProviderError(status, 'injected_failure', `The server had an error while processing your request (${detail}).`);
}

/** The credential a client sent: OpenAI's bearer token or Anthropic's x-api-key. */
export function presentedApiKey(authorization: string | undefined, xApiKey: string | undefined): string | undefined {
  if (xApiKey) return xApiKey;
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7);
  return authorization;
}

export function checkApiKey(behaviour: ModelBehaviour, presented: string | undefined): MockProviderError | undefined {
  if (behaviour.requireApiKey === undefined || presented === behaviour.requireApiKey) return undefined;
  const shown = presented ? `${presented.slice(0, 3)}***${presented.slice(-2)}` : '(none)';
  return new MockProviderError(401, 'invalid_api_key', `Incorrect API key provided: ${shown}.`);
}
