// Builds the evaluator from config, the same way for the cluster's evaluator service and the
// standalone process: the sample consumer, the request-cost consumer and the admin API.
import { EvalSample, Topics } from '@assay/contracts';
import type { EventPublisher, EventSubscriber } from '@assay/messaging';
import { CatalogPricer } from '@assay/metering';
import { parityPoliciesFromConfig } from '@assay/parity';
import { deploymentsOf, Logger, type AssayConfig, type ConnectorPort } from '@assay/platform';
import { loadDefaultCatalog, type LivePriceCatalog, type PriceCatalog } from '@assay/pricing';
import type { DataSource } from 'typeorm';
import { ParityStore } from './parity-store';
import { RequestCostRecorder } from './request-cost-recorder';
import { startParityApi } from './rest/start-parity-api';
import { SampleEvaluator, type ModelPricer } from './sample-evaluator';

export const EVALUATOR_GROUP = 'assay-evaluator';
export const EVALUATOR_COSTS_GROUP = 'assay-evaluator-costs';

/**
 * Prices a configured model by its first deployment (the catalog price of that provider and
 * upstream model). Given the process's LivePriceCatalog, price overrides that arrive later apply too.
 */
export function modelPricerFromConfig(config: AssayConfig, prices: PriceCatalog | LivePriceCatalog = loadDefaultCatalog()): ModelPricer {
  const pricer = CatalogPricer.fromConfig(prices, config);
  return (model, usage, atMs) => {
    const configured = config.models.find((m) => m.name === model);
    if (!configured) return undefined;
    const deployment = deploymentsOf(configured)[0];
    const price = pricer.price({
      provider: deployment.provider,
      upstreamModel: deployment.upstreamModel ?? model,
      model,
      at: new Date(atMs),
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      cachedTokens: usage.cachedTokens,
      reasoningTokens: usage.reasoningTokens,
    });
    return price.effectiveFrom === null ? undefined : price.costPico;
  };
}

export interface Evaluation {
  evaluator: SampleEvaluator;
  close(): Promise<void>;
}

export async function startEvaluation(deps: {
  db: DataSource;
  config: AssayConfig;
  connector: ConnectorPort;
  events: EventPublisher;
  subscriber: EventSubscriber;
  /** The process's prices, kept current with the operator's overrides (followPriceOverrides). */
  prices: LivePriceCatalog;
}): Promise<Evaluation> {
  const { config } = deps;
  const store = new ParityStore(deps.db);
  const policies = parityPoliciesFromConfig(config.parity);
  const priceModel = modelPricerFromConfig(config, deps.prices);
  const routable = new Set(config.models.map((m) => m.name));
  const evaluator = new SampleEvaluator({ store, connector: deps.connector, policies, priceModel, events: deps.events, isRoutable: (m) => routable.has(m) });
  await evaluator.start();
  const costs = new RequestCostRecorder(store, policies, priceModel);
  const log = new Logger('evaluator');
  await deps.subscriber.subscribe(EVALUATOR_GROUP, [Topics.evalSample], async (event) => {
    let sample: EvalSample;
    try {
      sample = EvalSample.decode(event.value);
    } catch (err) {
      // A message that cannot be decoded never will be: redelivering it would stall its partition.
      log.error('skipping an undecodable eval sample', { id: event.id, key: event.key, error: String(err) });
      return;
    }
    await evaluator.onEvalSample(sample);
  });
  await deps.subscriber.subscribeBatch(EVALUATOR_COSTS_GROUP, [Topics.requestCompleted], costs.onRequestsCompleted);
  const api = await startParityApi(store, evaluator, { host: config.parity.host, port: config.parity.port, adminToken: config.billing.adminToken });
  return { evaluator, close: () => api.close() };
}
