import type { ProviderAdapter, ProviderKind } from '@assay/providers-spec';
import { OpenAIAdapter } from '@assay/providers-openai';

/** One adapter per wire family. */
export type AdapterRegistry = Partial<Record<ProviderKind, ProviderAdapter>>;

export function defaultAdapters(): AdapterRegistry {
  const openai = new OpenAIAdapter();
  return { openai, 'openai-compatible': openai };
}
