import { AnthropicAdapter } from '@assay/providers-anthropic';
import { AzureOpenAIAdapter } from '@assay/providers-azure';
import { GeminiAdapter } from '@assay/providers-gemini';
import { OpenAIAdapter } from '@assay/providers-openai';
import type { ProviderAdapter, ProviderKind } from '@assay/providers-spec';

/** One adapter per wire family. */
export type AdapterRegistry = Record<ProviderKind, ProviderAdapter>;

export function defaultAdapters(): AdapterRegistry {
  const openai = new OpenAIAdapter();
  return {
    openai,
    'openai-compatible': openai,
    'azure-openai': new AzureOpenAIAdapter(),
    anthropic: new AnthropicAdapter(),
    gemini: new GeminiAdapter(),
  };
}
