import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMockConfigFile } from './mock-config-file';
import { MockConfigError } from './mock-config';

describe('loadMockConfigFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mock-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a YAML config', () => {
    const path = join(dir, 'mock.yaml');
    writeFileSync(path, 'ttftMs: 20\nmodels:\n  gpt-4o:\n    failFirst: 2\n');
    expect(loadMockConfigFile(path)).toEqual({ ttftMs: 20, models: { 'gpt-4o': { failFirst: 2 } } });
  });

  it('reads a JSON config and rejects invalid content', () => {
    const good = join(dir, 'mock.json');
    writeFileSync(good, JSON.stringify({ reply: 'hi' }));
    expect(loadMockConfigFile(good)).toEqual({ reply: 'hi' });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ tokensPerSecond: -1 }));
    expect(() => loadMockConfigFile(bad)).toThrow(MockConfigError);
  });
});
