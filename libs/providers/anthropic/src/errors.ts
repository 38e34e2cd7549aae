// Anthropic's error envelope ({type:"error", error:{type, message}}) → ProviderHttpError, for HTTP
// error answers and for `error` events inside a stream. 529 overloaded_error stays 529, which the
// retry policy treats like a 5xx.
import type { ProviderResponse } from '@assay/providers-http';
import { ProviderHttpError, type ProviderTarget } from '@assay/providers-spec';
import { isObject } from './translate-request';

/** Statuses of error types that arrive inside a stream (where there is no HTTP status). */
const STATUS_BY_ERROR_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** Retry-After as seconds (delta-seconds or an HTTP date), else undefined. */
export function retryAfterSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds > 0 ? seconds : undefined;
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  const delta = Math.ceil((date - Date.now()) / 1000);
  return delta > 0 ? delta : undefined;
}

function envelopeOf(text: string): { type?: string; message?: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) && isObject(parsed.error) ? (parsed.error as { type?: string; message?: string }) : undefined;
  } catch {
    return undefined;
  }
}

export async function anthropicHttpError(target: ProviderTarget, response: ProviderResponse): Promise<ProviderHttpError> {
  const text = await response.text().catch(() => '');
  const error = envelopeOf(text);
  const detail = error?.message ? `${error.type ?? 'error'}: ${error.message}` : text.slice(0, 500);
  return new ProviderHttpError(response.status, `${target.provider} returned ${response.status}: ${detail}`, retryAfterSeconds(response.headers.get('retry-after')));
}

/** An `event: error` inside a stream, e.g. overloaded_error after the 200 was sent. */
export function anthropicStreamError(provider: string, event: Record<string, unknown>): ProviderHttpError {
  const error = isObject(event.error) ? event.error : {};
  const type = String(error.type ?? 'api_error');
  return new ProviderHttpError(STATUS_BY_ERROR_TYPE[type] ?? 500, `${provider} stream error: ${type}: ${String(error.message ?? '')}`);
}
