// Ingress service (cluster wiring): the OpenAI-compatible REST API in front of the router.
import { RouterService } from '@assay/contracts';
import { IngressChat, ingressOptionsFrom, startGatewayGrpc, startRestApi } from '@assay/gateway';
import { configPath, GrpcChatClient, loadConfig, Logger, onShutdown, openDatabase, runMain } from '@assay/platform';
import { ensureVirtualKey, KeyDirectory, KeyDirectoryRefresher, tenancyDatabase } from '@assay/tenancy';

runMain('ingress', async () => {
  const config = loadConfig(configPath('config/cluster.yaml'));
  if (!config.database.url) throw new Error('ingress needs database.url (or DATABASE_URL) in cluster wiring');
  const db = await openDatabase(config.database.url, [tenancyDatabase], 'assay-ingress');
  for (const k of config.bootstrapKeys) await ensureVirtualKey(db, k.tenant, k.key);
  const keys = new KeyDirectory();
  const refresher = new KeyDirectoryRefresher(db, keys, config.snapshotRefreshMs);
  await refresher.start();
  const router = new GrpcChatClient(RouterService, config.router.address);
  const ingress = new IngressChat(keys, router, ingressOptionsFrom(config));
  const app = await startRestApi(ingress, config.ingress);
  const gateway = await startGatewayGrpc(ingress, config.gateway.listen);
  new Logger('ingress').info('listening', { http: `http://${config.ingress.host}:${config.ingress.port}`, grpc: config.gateway.listen, keys: keys.size });
  onShutdown('ingress', async () => {
    await app.close();
    await gateway.close();
    refresher.stop();
    router.close();
    await db.destroy();
  });
});
