// The live state of every configured deployment: its call target, key rotation, circuit
// breaker and outstanding requests. Built once from config; shared by all requests.
import { AssayError, deploymentsOf, type AssayConfig } from '@assay/platform';
import type { ProviderTarget } from '@assay/providers-spec';
import { CircuitBreaker, KeyPool } from '@assay/routing';

export class Deployment {
  outstanding = 0;

  constructor(
    /** e.g. "openai/gpt-4o-mini": provider and upstream model. */
    readonly name: string,
    readonly target: Omit<ProviderTarget, 'apiKey'>,
    readonly weight: number,
    readonly keys: KeyPool,
    readonly breaker: CircuitBreaker,
  ) {}

  /** Can take a call now: breaker not open and at least one key not cooling down. */
  availableAt(now: number): boolean {
    return this.breaker.isAvailable(now) && (this.keys.size === 0 || this.keys.nextAvailableAt() <= now);
  }
}

export interface ModelDeployments {
  model: string;
  latencyThresholdMs?: number;
  deployments: Deployment[];
}

export class DeploymentPool {
  private readonly byModel = new Map<string, ModelDeployments>();

  constructor(config: AssayConfig) {
    // One breaker and key pool per provider+upstream model, even when several models share it.
    const shared = new Map<string, Deployment>();
    for (const model of config.models) {
      const deployments = deploymentsOf(model).map((d) => {
        const provider = config.providers[d.provider];
        const upstreamModel = d.upstreamModel ?? model.name;
        const name = `${d.provider}/${upstreamModel}`;
        let deployment = shared.get(name);
        if (!deployment) {
          const keys = provider.apiKeys ?? (provider.apiKey ? [provider.apiKey] : []);
          deployment = new Deployment(
            name,
            {
              provider: d.provider,
              kind: provider.kind,
              baseUrl: provider.baseUrl.replace(/\/$/, ''),
              upstreamModel,
              timeoutMs: provider.timeoutMs,
              apiVersion: provider.apiVersion,
              headers: provider.headers,
            },
            d.weight,
            new KeyPool(keys),
            new CircuitBreaker(config.reliability.breaker),
          );
          shared.set(name, deployment);
        }
        return deployment;
      });
      this.byModel.set(model.name, { model: model.name, latencyThresholdMs: model.latencyThresholdMs, deployments });
    }
  }

  forModel(model: string): ModelDeployments {
    const found = this.byModel.get(model);
    if (!found) throw AssayError.modelNotFound(model);
    return found;
  }
}
