// The mock provider app's start-up settings, read from the environment once, validated by zod.
// Nothing else in the app reads process.env.
import { z } from 'zod';

const settingsSchema = z.object({
  MOCK_PROVIDER_PORT: z.coerce.number().int().min(0).max(65_535).default(4010),
  MOCK_PROVIDER_HOST: z.string().min(1).default('127.0.0.1'),
  MOCK_PROVIDER_CONFIG: z.string().min(1).optional(),
});

export interface ProviderSettings {
  readonly port: number;
  readonly host: string;
  /** Path to a JSON or YAML MockConfig file. */
  readonly configPath?: string;
}

export function readProviderSettings(env: Record<string, string | undefined>): ProviderSettings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid mock provider settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const { MOCK_PROVIDER_PORT: port, MOCK_PROVIDER_HOST: host, MOCK_PROVIDER_CONFIG: configPath } = parsed.data;
  return { port, host, configPath };
}
