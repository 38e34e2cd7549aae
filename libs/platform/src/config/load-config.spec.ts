import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './load-config';

function configFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'assay-config-')), 'assay.yaml');
  writeFileSync(path, yaml);
  return path;
}

const base = `
providers:
  openai: { kind: openai-compatible, baseUrl: "http://127.0.0.1:1/v1" }
models:
  - { name: big, provider: openai, fallbacks: [small] }
  - { name: small, provider: openai }
`;

describe('loadConfig: per-tenant fallback chains', () => {
  it('reads a tenant chain that replaces a model chain, and an empty one that turns fallback off', () => {
    const config = loadConfig(configFile(`${base}routing:\n  tenants:\n    acme: { fallbacks: { small: [big] } }\n    eu-only: { fallbacks: { big: [] } }\n`), {});
    expect(config.routing.tenants).toEqual({ acme: { fallbacks: { small: ['big'] } }, 'eu-only': { fallbacks: { big: [] } } });
  });

  it('defaults to no tenant chains', () => {
    expect(loadConfig(configFile(base), {}).routing).toEqual({ tenants: {} });
  });

  it('refuses a chain that falls back to a model that is not configured, naming where', () => {
    expect(() => loadConfig(configFile(`${base}routing: { tenants: { acme: { fallbacks: { big: [missing] } } } }\n`), {})).toThrow(
      /routing\.tenants\.acme\.fallbacks\.big falls back to unknown model missing/,
    );
  });

  it('refuses a chain for a model that is not configured', () => {
    expect(() => loadConfig(configFile(`${base}routing: { tenants: { acme: { fallbacks: { nope: [small] } } } }\n`), {})).toThrow(/names unknown model nope/);
  });

  it('refuses unknown keys in a tenant entry', () => {
    expect(() => loadConfig(configFile(`${base}routing: { tenants: { acme: { fallback: { big: [small] } } } }\n`), {})).toThrow(/routing\.tenants\.acme/);
  });
});
