// Provider connector service (cluster wiring): gRPC Connector that calls the providers.
import { ConnectorService } from '@assay/contracts';
import { defaultAdapters, DeploymentPool, ProviderConnector } from '@assay/connector';
import { createKafkaPublisher } from '@assay/messaging';
import { CatalogPricer } from '@assay/metering';
import { loadDefaultCatalog } from '@assay/pricing';
import { chatPortHandlers, configPath, loadConfig, Logger, onShutdown, runMain, startGrpcServer } from '@assay/platform';

runMain('provider-connector', async () => {
  const config = loadConfig(configPath('config/cluster.yaml'));
  const events = createKafkaPublisher({ brokers: config.kafka.brokers, clientId: 'assay-connector' }, { spillDir: `${config.kafka.spillDir}/connector` });
  const connector = new ProviderConnector(new DeploymentPool(config), defaultAdapters(), events, config.reliability, Date.now, Math.random, CatalogPricer.fromConfig(loadDefaultCatalog(), config));
  const server = await startGrpcServer(config.connector.listen, [{ definition: ConnectorService, implementation: chatPortHandlers(connector) }]);
  new Logger('provider-connector').info('listening', { grpc: config.connector.listen });
  onShutdown('provider-connector', async () => {
    await server.close();
    await events.close();
  });
});
