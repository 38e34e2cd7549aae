// The real PostgreSQL and Kafka that infra/local/up.sh started (or that DATABASE_URL and
// KAFKA_BROKERS point at). Tests never stand in for them.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');

export interface LocalInfra {
  databaseUrl: string;
  kafkaBrokers: string[];
}

export function localInfra(): LocalInfra {
  const file = join(REPO_ROOT, '.data', 'local.env');
  if (!existsSync(file)) throw new Error('No .data/local.env: run `bash infra/local/up.sh` first (npm test does).');
  const vars = Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { databaseUrl: vars.DATABASE_URL, kafkaBrokers: vars.KAFKA_BROKERS.split(',') };
}
