// Reads a MockConfig from a JSON or YAML file (by extension; YAML is a superset of JSON, so any
// other extension is parsed as YAML). Start-up only: synchronous and throws on invalid content.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { type MockConfig, parseMockConfig } from './mock-config';

export function loadMockConfigFile(path: string): MockConfig {
  const text = readFileSync(path, 'utf8');
  const data: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  return parseMockConfig(data ?? {});
}
