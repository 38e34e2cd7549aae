// Bootstrap CLI: `assay-admin keys create --tenant <name> [--name <key name>]` issues a virtual key
// and prints it once. Only its hash is stored.
import { parseArgs } from 'node:util';
import { configPath, loadConfig, openDatabase } from '@assay/platform';
import { issueVirtualKey, tenancyDatabase } from '@assay/tenancy';

const USAGE = 'usage: assay-admin keys create --tenant <name> [--name <key name>]';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { tenant: { type: 'string' }, name: { type: 'string', default: 'default' } },
  });
  if (positionals[0] !== 'keys' || positionals[1] !== 'create' || !values.tenant) {
    console.error(USAGE);
    process.exit(2);
  }
  const config = loadConfig(configPath('config/cluster.yaml'));
  if (!config.database.url) throw new Error('set DATABASE_URL (or database.url in the config)');
  const db = await openDatabase(config.database.url, [tenancyDatabase], 'assay-admin');
  try {
    const issued = await issueVirtualKey(db, values.tenant, values.name);
    process.stdout.write(JSON.stringify(issued) + '\n');
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
