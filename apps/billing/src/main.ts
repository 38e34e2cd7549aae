// Billing service (cluster wiring): charges requests in credits on the ledger, keeps revenue and
// COGS per request, publishes ledger entries to the finance topic through its outbox, and serves
// the admin, budget-lease, plan and report API.
import { Topics } from '@assay/contracts';
import { billingDatabase, createUsageCharger, OutboxRelay, planCatalog, startBillingApi } from '@assay/billing';
import { createKafkaPublisher, KafkaSubscriber } from '@assay/messaging';
import { CatalogPricer } from '@assay/metering';
import { configPath, loadConfig, Logger, onShutdown, openDatabase, runMain } from '@assay/platform';
import { loadDefaultCatalog } from '@assay/pricing';

const BILLING_GROUP = 'assay-billing';

runMain('billing', async () => {
  const config = loadConfig(configPath('config/cluster.yaml'));
  if (!config.database.url) throw new Error('billing needs database.url (or DATABASE_URL) in cluster wiring');
  const db = await openDatabase(config.database.url, [billingDatabase], 'assay-billing');
  const charger = await createUsageCharger(db, config, CatalogPricer.fromConfig(loadDefaultCatalog(), config));
  const events = createKafkaPublisher({ brokers: config.kafka.brokers, clientId: 'assay-billing' }, { spillDir: `${config.kafka.spillDir}/billing` });
  const relay = new OutboxRelay(db, events);
  relay.start();
  const subscriber = new KafkaSubscriber({ brokers: config.kafka.brokers, clientId: 'assay-billing' });
  await subscriber.subscribeBatch(BILLING_GROUP, [Topics.requestCompleted, Topics.providerAttempt], charger.chargeBatch);
  const api = await startBillingApi(db, { host: config.billing.host, port: config.billing.port, adminToken: config.billing.adminToken, plans: planCatalog(config) });
  new Logger('billing').info('consuming', { topics: [Topics.requestCompleted, Topics.providerAttempt], http: `http://${config.billing.host}:${config.billing.port}` });
  onShutdown('billing', async () => {
    await api.close();
    await subscriber.close();
    await relay.stop();
    await events.close();
    await db.destroy();
  });
});
