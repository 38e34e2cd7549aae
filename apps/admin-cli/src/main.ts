// The operator's command line:
//   assay-admin keys create --tenant <name> [--name <key name>]   issue a virtual key (printed once; only its hash is stored)
//   assay-admin close-day --date YYYY-MM-DD                        put each tenant's daily close on the finance topic (via billing's outbox)
//   assay-admin reconcile                                          recompute every aggregate from the raw records and check the ledger; exit 1 on any difference
import { parseArgs } from 'node:util';
import { billingDatabase, closeDay, reconcileLedger } from '@assay/billing';
import { meteringDatabase, reconcileUsage } from '@assay/metering';
import { configPath, loadConfig, openDatabase } from '@assay/platform';
import { issueVirtualKey, tenancyDatabase } from '@assay/tenancy';

const USAGE = `usage:
  assay-admin keys create --tenant <name> [--name <key name>]
  assay-admin close-day --date YYYY-MM-DD
  assay-admin reconcile`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { tenant: { type: 'string' }, name: { type: 'string', default: 'default' }, date: { type: 'string' } },
  });
  const command = positionals.join(' ');
  if (command !== 'keys create' && command !== 'reconcile' && command !== 'close-day') return usage();
  if (command === 'keys create' && !values.tenant) return usage();
  if (command === 'close-day' && !values.date) return usage();

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

  if (command === 'close-day') {
    const db = await openDatabase(config.database.url, [billingDatabase], 'assay-admin');
    try {
      const closed = await closeDay(db, values.date!);
      process.stderr.write(`close-day ${values.date}: ${closed} new daily close event(s) queued for the finance topic\n`);
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
