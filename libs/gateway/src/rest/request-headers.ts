import type { IncomingHttpHeaders } from 'node:http';

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
