// When to try again and how long to wait. Pure: the caller supplies the randomness.

/** Statuses worth another attempt: throttling, timeouts and server-side failures (529: Anthropic overloaded). */
const RETRYABLE_STATUSES = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

export interface AttemptFailure {
  /** The provider's HTTP status; 0 when there was no answer (network failure, timeout). */
  status: number;
  retryAfterSeconds?: number;
}

export function isRetryable(failure: AttemptFailure): boolean {
  return failure.status === 0 || RETRYABLE_STATUSES.has(failure.status);
}

export interface BackoffSettings {
  /** Why 200 ms: long enough for a throttled provider to recover a token, short next to an LLM call. */
  baseMs: number;
  maxMs: number;
}

/**
 * Exponential backoff with full jitter (delay uniform in [0, min(max, base·2^retry)]), so many
 * clients retrying at once spread out. A Retry-After from the provider wins when it is longer.
 */
export function backoffDelayMs(retry: number, settings: BackoffSettings, failure: AttemptFailure, random: () => number = Math.random): number {
  const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** retry);
  const jittered = Math.floor(random() * ceiling);
  const retryAfterMs = (failure.retryAfterSeconds ?? 0) * 1000;
  return Math.max(jittered, retryAfterMs);
}
