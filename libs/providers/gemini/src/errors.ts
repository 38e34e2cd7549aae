// Gemini's error envelope ({error:{code, message, status, details}}) → ProviderHttpError. The retry
// delay comes from the Retry-After header when present, else from a google.rpc.RetryInfo detail.
import type { ProviderResponse } from '@assay/providers-http';
import { ProviderHttpError, type ProviderTarget } from '@assay/providers-spec';
import { isObject } from './translate-request';

/** "37s" / "1.5s" (protobuf Duration in JSON) → seconds. */
function durationSeconds(value: unknown): number | undefined {
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(value) : null;
  const seconds = match ? Number(match[1]) : NaN;
  return seconds > 0 ? Math.ceil(seconds) : undefined;
}

function retryInfoSeconds(details: unknown): number | undefined {
  for (const detail of Array.isArray(details) ? details : []) {
    if (isObject(detail) && String(detail['@type']).endsWith('google.rpc.RetryInfo')) return durationSeconds(detail.retryDelay);
  }
  return undefined;
}

export function geminiErrorFromBody(provider: string, status: number, body: unknown, retryAfterHeader?: number): ProviderHttpError {
  const error = isObject(body) && isObject(body.error) ? body.error : undefined;
  const code = typeof error?.code === 'number' ? error.code : status;
  const detail = error ? `${String(error.status ?? 'ERROR')}: ${String(error.message ?? '')}` : String(body ?? '').slice(0, 500);
  return new ProviderHttpError(code, `${provider} returned ${code}: ${detail}`, retryAfterHeader ?? retryInfoSeconds(error?.details));
}

export async function geminiHttpError(target: ProviderTarget, response: ProviderResponse): Promise<ProviderHttpError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON; keep the text
  }
  const header = Number(response.headers.get('retry-after'));
  const error = geminiErrorFromBody(target.provider, response.status, body, Number.isFinite(header) && header > 0 ? header : undefined);
  // The HTTP status is authoritative; the envelope's code only matters inside a stream.
  return error.status === response.status ? error : new ProviderHttpError(response.status, error.message, error.retryAfterSeconds);
}
