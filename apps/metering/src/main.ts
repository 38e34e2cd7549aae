// Metering service (cluster wiring): consumes usage events from Kafka into PostgreSQL, priced with
// the catalog and the operator's price overrides (followed live from their compacted topic).
import { Topics } from '@assay/contracts';
import { KafkaSubscriber } from '@assay/messaging';
import { CatalogPricer, followPriceOverrides, livePriceCatalog, meteringDatabase, UsageRecorder } from '@assay/metering';
import { configPath, loadConfig, Logger, onShutdown, openDatabase, runMain } from '@assay/platform';

const METERING_GROUP = 'assay-metering';

runMain('metering', async () => {
  const config = loadConfig(configPath('config/cluster.yaml'));
  if (!config.database.url) throw new Error('metering needs database.url (or DATABASE_URL) in cluster wiring');
  const db = await openDatabase(config.database.url, [meteringDatabase], 'assay-metering');
  const subscriber = new KafkaSubscriber({ brokers: config.kafka.brokers, clientId: 'assay-metering' });
  const prices = livePriceCatalog(config);
  // Every override first: a usage backlog consumed before them would be priced without them.
  await followPriceOverrides(subscriber, prices, 'assay-metering-prices');
  await subscriber.subscribeBatch(METERING_GROUP, [Topics.requestCompleted, Topics.providerAttempt], new UsageRecorder(db, CatalogPricer.fromConfig(prices, config)).recordBatch);
  new Logger('metering').info('consuming', { topics: [Topics.requestCompleted, Topics.providerAttempt] });
  onShutdown('metering', async () => {
    await subscriber.close();
    await db.destroy();
  });
});
