import { AssayError, type AssayConfig } from '@assay/platform';
import type { ProviderTarget } from '@assay/providers-spec';

/** Resolves configured model names to the provider call they stand for, once at start-up. */
export class ProviderTargets {
  private readonly byModel = new Map<string, ProviderTarget>();

  constructor(config: AssayConfig) {
    for (const model of config.models) {
      const provider = config.providers[model.provider];
      this.byModel.set(model.name, {
        provider: model.provider,
        kind: provider.kind,
        baseUrl: provider.baseUrl.replace(/\/$/, ''),
        apiKey: provider.apiKey,
        upstreamModel: model.upstreamModel ?? model.name,
        timeoutMs: provider.timeoutMs,
      });
    }
  }

  resolve(model: string): ProviderTarget {
    const target = this.byModel.get(model);
    if (!target) throw AssayError.modelNotFound(model);
    return target;
  }
}
