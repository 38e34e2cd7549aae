import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { AssayConfigSchema, type AssayConfig, type DeploymentConfig, type ModelConfig } from './assay-config';

/** A model's deployments, the `provider` shorthand expanded. */
export function deploymentsOf(model: ModelConfig): DeploymentConfig[] {
  return model.deployments ?? [{ provider: model.provider!, upstreamModel: model.upstreamModel, weight: 1 }];
}

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
  const names = new Set(parsed.data.models.map((m) => m.name));
  for (const m of parsed.data.models) {
    for (const d of deploymentsOf(m)) {
      if (!parsed.data.providers[d.provider]) throw new Error(`Invalid config ${path}: model ${m.name} names unknown provider ${d.provider}`);
    }
    for (const f of m.fallbacks) {
      if (!names.has(f)) throw new Error(`Invalid config ${path}: model ${m.name} falls back to unknown model ${f}`);
    }
  }
  for (const [tenant, { fallbacks }] of Object.entries(parsed.data.routing.tenants)) {
    for (const [model, chain] of Object.entries(fallbacks)) {
      const at = `routing.tenants.${tenant}.fallbacks.${model}`;
      if (!names.has(model)) throw new Error(`Invalid config ${path}: ${at} names unknown model ${model}`);
      for (const f of chain) if (!names.has(f)) throw new Error(`Invalid config ${path}: ${at} falls back to unknown model ${f}`);
    }
  }
  return parsed.data;
}
