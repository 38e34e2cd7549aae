import type { IncomingHttpHeaders } from 'node:http';
import type { IncomingChat } from '../ingress-chat';

const TAG_PREFIX = 'x-assay-tag-';

/** Feature tags from `x-assay-tag-<name>: <value>` headers, for cost attribution. */
export function tagsFromHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(TAG_PREFIX) && typeof value === 'string') tags[name.slice(TAG_PREFIX.length)] = value;
  }
  return tags;
}

export function singleHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The client's own deadline: `x-assay-timeout-ms`, or the timeout the official OpenAI SDKs
 * announce in `x-stainless-timeout` (seconds).
 */
export function clientTimeoutMs(headers: IncomingHttpHeaders): number | undefined {
  const explicit = Number(singleHeader(headers, 'x-assay-timeout-ms'));
  if (explicit > 0) return explicit;
  const sdk = Number(singleHeader(headers, 'x-stainless-timeout'));
  return sdk > 0 ? sdk * 1000 : undefined;
}

/** What every API call hands to ingress, read from the HTTP request once. */
export function incomingFrom(req: { headers: IncomingHttpHeaders; body: unknown }, requestId: string): IncomingChat {
  return {
    authorization: singleHeader(req.headers, 'authorization'),
    body: req.body,
    requestId,
    tags: tagsFromHeaders(req.headers),
    promptType: singleHeader(req.headers, 'x-assay-prompt-type'),
    timeoutMs: clientTimeoutMs(req.headers),
  };
}
