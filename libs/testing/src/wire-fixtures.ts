// Reads an adapter's wire fixtures (documented request/response/stream shapes) from its
// fixtures/ folder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WireFixtures {
  fixtureText(name: string): string;
  fixture<T = Record<string, unknown>>(name: string): T;
  /** The `data:` payloads of an .sse fixture, parsed. */
  sseFixtureEvents(name: string): Record<string, unknown>[];
}

export function wireFixtures(dir: string): WireFixtures {
  const fixtureText = (name: string) => readFileSync(join(dir, name), 'utf8');
  return {
    fixtureText,
    fixture: <T>(name: string) => JSON.parse(fixtureText(name)) as T,
    sseFixtureEvents: (name: string) =>
      fixtureText(name)
        .split(/\r?\n\r?\n/)
        .map((event) => event.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n'))
        .filter(Boolean)
        .map((data) => JSON.parse(data) as Record<string, unknown>),
  };
}
