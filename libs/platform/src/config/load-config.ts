import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { AssayConfigSchema, type AssayConfig } from './assay-config';

/** Replaces ${VAR} and ${VAR:-default} in the raw file text, so secrets stay in the environment. */
export function substituteEnv(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => env[name] ?? fallback ?? '');
}

/**
 * Reads the YAML file at `path`, applies the environment's overrides (DATABASE_URL, KAFKA_BROKERS,
 * ASSAY_PORT) and validates the result. Throws with every problem listed when the config is bad.
 */
export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): AssayConfig {
  const raw = parse(substituteEnv(readFileSync(path, 'utf8'), env)) ?? {};
  if (env.DATABASE_URL) raw.database = { ...raw.database, url: env.DATABASE_URL };
  if (env.KAFKA_BROKERS) raw.kafka = { ...raw.kafka, brokers: env.KAFKA_BROKERS.split(',') };
  if (env.ASSAY_PORT) raw.ingress = { ...raw.ingress, port: Number(env.ASSAY_PORT) };
  const parsed = AssayConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new Error(`Invalid config ${path}:\n${problems}`);
  }
  for (const m of parsed.data.models) {
    if (!parsed.data.providers[m.provider]) throw new Error(`Invalid config ${path}: model ${m.name} names unknown provider ${m.provider}`);
  }
  return parsed.data;
}
