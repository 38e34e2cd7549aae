// Evaluator service (cluster wiring): replays eval samples on candidates through the provider
// connector, judges them, keeps the parity statistics and publishes parity decisions; serves the
// parity admin API. Prices replays and baselines with the operator's price overrides, followed live
// from their compacted topic.
import { ConnectorService, Topics } from '@assay/contracts';
import { parityDatabase, startEvaluation } from '@assay/evaluation';
import { createKafkaPublisher, KafkaSubscriber } from '@assay/messaging';
import { followPriceOverrides, livePriceCatalog } from '@assay/metering';
import { configPath, GrpcChatClient, loadConfig, Logger, onShutdown, openDatabase, runMain } from '@assay/platform';

runMain('evaluator', async () => {
  const config = loadConfig(configPath('config/cluster.yaml'));
  if (!config.database.url) throw new Error('the evaluator needs database.url (or DATABASE_URL) in cluster wiring');
  const db = await openDatabase(config.database.url, [parityDatabase], 'assay-evaluator');
  const events = createKafkaPublisher({ brokers: config.kafka.brokers, clientId: 'assay-evaluator' }, { spillDir: `${config.kafka.spillDir}/evaluator` });
  const connector = new GrpcChatClient(ConnectorService, config.connector.address);
  const subscriber = new KafkaSubscriber({ brokers: config.kafka.brokers, clientId: 'assay-evaluator' });
  const prices = livePriceCatalog(config);
  await followPriceOverrides(subscriber, prices, 'assay-evaluator-prices');
  const evaluation = await startEvaluation({ db, config, connector, events, subscriber, prices });
  new Logger('evaluator').info('consuming', { topics: [Topics.evalSample, Topics.requestCompleted], http: `http://${config.parity.host}:${config.parity.port}` });
  onShutdown('evaluator', async () => {
    await evaluation.close();
    await subscriber.close();
    connector.close();
    await events.close();
    await db.destroy();
  });
});
