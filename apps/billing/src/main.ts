// Billing service (cluster wiring): charges requests in credits on the ledger, keeps revenue and
// COGS per request, publishes ledger entries to the finance topic through its outbox, and serves
// the admin, budget-lease, plan, price-override and report API. Prices with the operator's
// overrides, followed live from their compacted topic like every other pricing service.
import { Topics } from '@assay/contracts';
import { billingDatabase, createUsageCharger, OutboxRelay, planCatalog, republishPriceOverrides, startBillingApi } from '@assay/billing';
import { createKafkaPublisher, KafkaSubscriber } from '@assay/messaging';
import { CatalogPricer, followPriceOverrides, livePriceCatalog } from '@assay/metering';
import { configPath, loadConfig, Logger, onShutdown, openDatabase, runMain } from '@assay/platform';

const BILLING_GROUP = 'assay-billing';

runMain('billing', async () => {
  const config = loadConfig(configPath('config/cluster.yaml'));
  if (!config.database.url) throw new Error('billing needs database.url (or DATABASE_URL) in cluster wiring');
  const db = await openDatabase(config.database.url, [billingDatabase], 'assay-billing');
  const events = createKafkaPublisher({ brokers: config.kafka.brokers, clientId: 'assay-billing' }, { spillDir: `${config.kafka.spillDir}/billing` });
  // Heals an override committed but not published when billing last stopped (see price-overrides.ts).
  await republishPriceOverrides(db, events);
  const relay = new OutboxRelay(db, events);
  relay.start();
  const subscriber = new KafkaSubscriber({ brokers: config.kafka.brokers, clientId: 'assay-billing' });
  const prices = livePriceCatalog(config);
  await followPriceOverrides(subscriber, prices, 'assay-billing-prices');
  const charger = await createUsageCharger(db, config, CatalogPricer.fromConfig(prices, config));
  await subscriber.subscribeBatch(BILLING_GROUP, [Topics.requestCompleted, Topics.providerAttempt], charger.chargeBatch);
  const api = await startBillingApi(db, { host: config.billing.host, port: config.billing.port, adminToken: config.billing.adminToken, plans: planCatalog(config), events });
  new Logger('billing').info('consuming', { topics: [Topics.requestCompleted, Topics.providerAttempt], http: `http://${config.billing.host}:${config.billing.port}` });
  onShutdown('billing', async () => {
    await api.close();
    await subscriber.close();
    await relay.stop();
    await events.close();
    await db.destroy();
  });
});
