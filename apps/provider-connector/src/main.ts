// Provider connector service (cluster wiring): gRPC Connector that calls the providers. Tells each
// response's cost (x-assay-cost) with the catalog and the operator's price overrides, followed live
// from their compacted topic without delaying start-up.
import { ConnectorService } from '@assay/contracts';
import { defaultAdapters, DeploymentPool, ProviderConnector } from '@assay/connector';
import { createKafkaPublisher, KafkaSubscriber } from '@assay/messaging';
import { CatalogPricer, followPriceOverridesInBackground, livePriceCatalog } from '@assay/metering';
import { chatService, configPath, loadConfig, Logger, onShutdown, runMain, startGrpcServer } from '@assay/platform';

runMain('provider-connector', async () => {
  const config = loadConfig(configPath('config/cluster.yaml'));
  const events = createKafkaPublisher({ brokers: config.kafka.brokers, clientId: 'assay-connector' }, { spillDir: `${config.kafka.spillDir}/connector` });
  const prices = livePriceCatalog(config);
  const subscriber = new KafkaSubscriber({ brokers: config.kafka.brokers, clientId: 'assay-connector' });
  followPriceOverridesInBackground(subscriber, prices, 'assay-connector-prices');
  const connector = new ProviderConnector(new DeploymentPool(config), defaultAdapters(), events, config.reliability, Date.now, Math.random, CatalogPricer.fromConfig(prices, config));
  const server = await startGrpcServer(config.connector.listen, [chatService(ConnectorService, connector)]);
  new Logger('provider-connector').info('listening', { grpc: config.connector.listen });
  onShutdown('provider-connector', async () => {
    await server.close();
    await subscriber.close();
    await events.close();
  });
});
