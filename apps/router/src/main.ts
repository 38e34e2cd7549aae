// Router service (cluster wiring): gRPC Router in front of the provider connector. Applies parity
// decisions from the compacted decision topic (each replica reads all of it, in its own group).
import { randomUUID } from 'node:crypto';
import { ConnectorService, ParityDecision, RouterService, Topics } from '@assay/contracts';
import { createKafkaPublisher, KafkaSubscriber } from '@assay/messaging';
import { parityPoliciesFromConfig } from '@assay/parity';
import { chatService, configPath, GrpcChatClient, loadConfig, Logger, onShutdown, runMain, startGrpcServer } from '@assay/platform';
import { ModelRouter, ParityRouting } from '@assay/routing';

runMain('router', async () => {
  const config = loadConfig(configPath('config/cluster.yaml'));
  const events = createKafkaPublisher({ brokers: config.kafka.brokers, clientId: 'assay-router' }, { spillDir: `${config.kafka.spillDir}/router` });
  const connector = new GrpcChatClient(ConnectorService, config.connector.address);
  const models = new Set(config.models.map((m) => m.name));
  const parity = new ParityRouting(parityPoliciesFromConfig(config.parity), events, (m) => models.has(m));
  const decisions = new KafkaSubscriber({ brokers: config.kafka.brokers, clientId: 'assay-router' });
  // A group per replica: every replica must see every decision, from the start of the compacted log.
  const log = new Logger('router');
  await decisions.subscribe(`assay-router-${randomUUID()}`, [Topics.parityDecision], async (event) => {
    const decision = ParityDecision.decode(event.value);
    parity.applyDecision(decision);
    // lagMs: from the evaluator's decision to this replica applying it (DESIGN.md asks for < 1 s).
    log.info('parity decision applied', { tenant: decision.tenantId, promptType: decision.promptType, servingModel: decision.servingModel, status: decision.status, lagMs: Date.now() - decision.atMs });
  });
  const router = new ModelRouter(config, connector, events, parity);
  const server = await startGrpcServer(config.router.listen, [chatService(RouterService, router)]);
  log.info('listening', { grpc: config.router.listen });
  onShutdown('router', async () => {
    await server.close();
    await decisions.close();
    connector.close();
    await events.close();
  });
});
