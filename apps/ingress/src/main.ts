// Ingress service (cluster wiring): the OpenAI-compatible REST API in front of the router.
import { RouterService } from '@assay/contracts';
import { IngressChat, startRestApi } from '@assay/gateway';
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
  const router = new GrpcChatClient(RouterService, config.router.address, (r) => r.context?.deadlineMs ?? 0);
  const app = await startRestApi(new IngressChat(keys, router, { requestTimeoutMs: config.reliability.requestTimeoutMs }), config.ingress);
  new Logger('ingress').info('listening', { http: `http://${config.ingress.host}:${config.ingress.port}`, keys: keys.size });
  onShutdown('ingress', async () => {
    await app.close();
    refresher.stop();
    router.close();
    await db.destroy();
  });
});
