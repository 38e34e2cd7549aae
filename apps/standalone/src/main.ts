// Standalone wiring: ingress, router, provider connector, metering, billing and the evaluator in ONE process, the same
// service classes as the cluster, bound in-process; an in-process bus instead of Kafka and an
// embedded PostgreSQL unless database.url is set. `npm start` runs this.
import { billingDatabase, createUsageCharger, OutboxRelay, planCatalog, republishPriceOverrides, startBillingApi } from '@assay/billing';
import { ParityDecision, Topics } from '@assay/contracts';
import { defaultAdapters, DeploymentPool, ProviderConnector } from '@assay/connector';
import { parityDatabase, startEvaluation } from '@assay/evaluation';
import { IngressChat, ingressOptionsFrom, startGatewayGrpc, startRestApi } from '@assay/gateway';
import { InProcessBus } from '@assay/messaging';
import { CatalogPricer, followPriceOverrides, livePriceCatalog, meteringDatabase, UsageRecorder } from '@assay/metering';
import { parityPoliciesFromConfig } from '@assay/parity';
import { startMockProvider } from '@assay/mock-llm';
import { configPath, loadConfig, Logger, onShutdown, openDatabase, runMain, startEmbeddedDatabase } from '@assay/platform';
import { ModelRouter, ParityRouting } from '@assay/routing';
import { ensureVirtualKey, KeyDirectory, KeyDirectoryRefresher, tenancyDatabase } from '@assay/tenancy';

runMain('standalone', async () => {
  const log = new Logger('standalone');
  const startedAt = Date.now();
  const config = loadConfig(configPath('config/standalone.yaml'));

  const mock = config.mockProvider ? await startMockProvider({ port: config.mockProvider.port }) : null;
  const embedded = config.database.url ? null : await startEmbeddedDatabase(config.database.embedded.dataDir, config.database.embedded.port);
  const db = await openDatabase(config.database.url ?? embedded!.url, [tenancyDatabase, meteringDatabase, billingDatabase, parityDatabase], 'assay-standalone');
  for (const k of config.bootstrapKeys) await ensureVirtualKey(db, k.tenant, k.key);

  // Why 100 ms: metering and billing are not latency-sensitive, and larger batches mean fewer
  // database round trips competing with requests for the same two cores.
  const bus = new InProcessBus({ batchWindowMs: 100 });
  // One catalog for every pricer in the process; the bus keeps no history, so billing republishes
  // the recorded overrides into it, and they are applied before the first request is served.
  const prices = livePriceCatalog(config);
  await followPriceOverrides(bus, prices, 'prices');
  await republishPriceOverrides(db, bus);
  await bus.flush();
  const pricer = CatalogPricer.fromConfig(prices, config);
  await bus.subscribeBatch('metering', [Topics.requestCompleted, Topics.providerAttempt], new UsageRecorder(db, pricer).recordBatch);
  // No broker, so no finance topic: usage debits are posted to the ledger without an outbox copy.
  await bus.subscribeBatch('billing', [Topics.requestCompleted, Topics.providerAttempt], (await createUsageCharger(db, config, pricer, { publishLedger: false })).chargeBatch);
  const relay = new OutboxRelay(db, bus);
  relay.start();
  const billingApi = await startBillingApi(db, { host: config.billing.host, port: config.billing.port, adminToken: config.billing.adminToken, plans: planCatalog(config), events: bus });
  const connector = new ProviderConnector(new DeploymentPool(config), defaultAdapters(), bus, config.reliability, Date.now, Math.random, pricer);
  const models = new Set(config.models.map((m) => m.name));
  const parity = new ParityRouting(parityPoliciesFromConfig(config.parity), bus, (m) => models.has(m));
  await bus.subscribe('router-parity', [Topics.parityDecision], async (event) => parity.applyDecision(ParityDecision.decode(event.value)));
  const router = new ModelRouter(config, connector, bus, parity);
  const evaluation = await startEvaluation({ db, config, connector, events: bus, subscriber: bus, prices });

  const keys = new KeyDirectory();
  const refresher = new KeyDirectoryRefresher(db, keys, config.snapshotRefreshMs);
  await refresher.start();
  const ingress = new IngressChat(keys, router, ingressOptionsFrom(config));
  const app = await startRestApi(ingress, config.ingress);
  const gateway = await startGatewayGrpc(ingress, config.gateway.listen);

  log.info('Assay is ready', {
    url: `http://${config.ingress.host}:${config.ingress.port}/v1`,
    grpc: config.gateway.listen,
    models: config.models.map((m) => m.name),
    mockProvider: mock?.url,
    startupMs: Date.now() - startedAt,
  });
  onShutdown('standalone', async () => {
    await app.close();
    await billingApi.close();
    await evaluation.close();
    await gateway.close();
    refresher.stop();
    await relay.stop();
    await bus.close();
    await db.destroy();
    await embedded?.stop();
    await mock?.close();
  });
});
