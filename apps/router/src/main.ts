// Router service (cluster wiring): gRPC Router in front of the provider connector.
import { ConnectorService, RouterService } from '@assay/contracts';
import { createKafkaPublisher } from '@assay/messaging';
import { chatPortHandlers, configPath, GrpcChatClient, loadConfig, Logger, onShutdown, runMain, startGrpcServer } from '@assay/platform';
import { ModelRouter } from '@assay/routing';

runMain('router', async () => {
  const config = loadConfig(configPath('config/cluster.yaml'));
  const events = createKafkaPublisher({ brokers: config.kafka.brokers, clientId: 'assay-router' }, { spillDir: `${config.kafka.spillDir}/router` });
  const connector = new GrpcChatClient(ConnectorService, config.connector.address);
  const router = new ModelRouter(config, connector, events);
  const server = await startGrpcServer(config.router.listen, [{ definition: RouterService, implementation: chatPortHandlers(router) }]);
  new Logger('router').info('listening', { grpc: config.router.listen });
  onShutdown('router', async () => {
    await server.close();
    connector.close();
    await events.close();
  });
});
