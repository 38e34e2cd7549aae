// The operator's command line:
//   assay-admin keys create --tenant <name> [--name <key name>]   issue a virtual key (printed once; only its hash is stored)
//   assay-admin reconcile                                          recompute every aggregate from the raw records and check the ledger; exit 1 on any difference
import { parseArgs } from 'node:util';
import { billingDatabase, reconcileLedger } from '@assay/billing';
import { meteringDatabase, reconcileUsage } from '@assay/metering';
import { configPath, loadConfig, openDatabase } from '@assay/platform';
import { issueVirtualKey, tenancyDatabase } from '@assay/tenancy';

const USAGE = `usage:
  assay-admin keys create --tenant <name> [--name <key name>]
  assay-admin reconcile`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { tenant: { type: 'string' }, name: { type: 'string', default: 'default' } },
  });
  const command = positionals.join(' ');
  if (command !== 'keys create' && command !== 'reconcile') return usage();
  if (command === 'keys create' && !values.tenant) return usage();

  const config = loadConfig(configPath('config/cluster.yaml'));
  if (!config.database.url) throw new Error('set DATABASE_URL (or database.url in the config)');

  if (command === 'keys create') {
    const db = await openDatabase(config.database.url, [tenancyDatabase], 'assay-admin');
    try {
      process.stdout.write(JSON.stringify(await issueVirtualKey(db, values.tenant!, values.name)) + '\n');
      return 0;
    } finally {
      await db.destroy();
    }
  }

  const db = await openDatabase(config.database.url, [meteringDatabase, billingDatabase], 'assay-admin');
  try {
    const started = Date.now();
    const differences = await reconcileUsage(db);
    for (const d of differences) process.stdout.write(JSON.stringify(d) + '\n');
    const unbalanced = await reconcileLedger(db);
    for (const u of unbalanced) process.stdout.write(JSON.stringify({ unbalancedTransaction: u }) + '\n');
    process.stderr.write(
      `reconcile: ${differences.length} difference(s) in usage aggregates, ${unbalanced.length} unbalanced ledger transaction(s) (${Date.now() - started} ms)\n`,
    );
    return differences.length + unbalanced.length === 0 ? 0 : 1;
  } finally {
    await db.destroy();
  }
}

function usage(): number {
  console.error(USAGE);
  return 2;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
