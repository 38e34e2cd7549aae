// The operator's command line:
//   assay-admin keys create --tenant <name> [--name <key name>]   issue a virtual key (printed once; only its hash is stored)
//   assay-admin close-day --date YYYY-MM-DD                        put each tenant's daily close on the finance topic (via billing's outbox)
//   assay-admin expire-credits                                     expire what is left of credit lots due by now (billing also does it every minute)
//   assay-admin reconcile                                          recompute every aggregate from the raw records and check the ledger; exit 1 on any difference
//   assay-admin parity status --tenant <name> [--prompt-type <t>]  where each prompt type's proof stands, from the evaluator's API
import { parseArgs } from 'node:util';
import { billingDatabase, closeDay, expireCredits, reconcileLedger } from '@assay/billing';
import { meteringDatabase, reconcileUsage } from '@assay/metering';
import { configPath, loadConfig, openDatabase, type AssayConfig } from '@assay/platform';
import { issueVirtualKey, tenancyDatabase } from '@assay/tenancy';

const USAGE = `usage:
  assay-admin keys create --tenant <name> [--name <key name>]
  assay-admin close-day --date YYYY-MM-DD
  assay-admin expire-credits
  assay-admin reconcile
  assay-admin parity status --tenant <name> [--prompt-type <type>]`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { tenant: { type: 'string' }, name: { type: 'string', default: 'default' }, date: { type: 'string' }, 'prompt-type': { type: 'string' } },
  });
  const command = positionals.join(' ');
  if (command !== 'keys create' && command !== 'reconcile' && command !== 'close-day' && command !== 'expire-credits' && command !== 'parity status') return usage();
  if (command === 'parity status') {
    if (!values.tenant) return usage();
    return parityStatus(loadConfig(configPath('config/cluster.yaml')), values.tenant, values['prompt-type']);
  }
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

  if (command === 'expire-credits') {
    const db = await openDatabase(config.database.url, [billingDatabase], 'assay-admin');
    try {
      const r = await expireCredits(db, new Date());
      process.stderr.write(`expire-credits: ${r.lots} lot(s) expired, ${r.transactions} expiry transaction(s) posted, ${r.units} credit micro-units left balances\n`);
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

/** Prints the evaluator's view: one line per prompt type, or one prompt type with its decisions. */
async function parityStatus(config: AssayConfig, tenant: string, promptType: string | undefined): Promise<number> {
  const base = `http://${config.parity.host}:${config.parity.port}/v1/parity/tenants/${encodeURIComponent(tenant)}/prompt-types`;
  const response = await fetch(promptType ? `${base}/${encodeURIComponent(promptType)}?verdicts=20` : base, { headers: { authorization: `Bearer ${config.billing.adminToken}` } });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) {
    process.stderr.write(`parity status: ${response.status} ${JSON.stringify(body)}\n`);
    return 1;
  }
  if (promptType) {
    process.stdout.write(JSON.stringify(body, null, 2) + '\n');
    return 0;
  }
  const rows = (body.data as Array<Record<string, unknown>>).map((p) => [
    p.prompt_type, p.status, p.serving_model, p.active_candidate ?? '-', `${p.wins}/${p.ties}/${p.losses}`, p.lower_bound === null ? '-' : Number(p.lower_bound).toFixed(3),
    p.requests, p.cost_per_request_before_usd ?? '-', p.cost_per_request_after_usd ?? '-', p.eval_spend_usd, p.net_savings_usd,
  ].map(String));
  const header = ['prompt type', 'status', 'serving', 'candidate', 'W/T/L', 'lower bound', 'requests', 'cost/req before', 'cost/req after', 'eval spend', 'net savings'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [header, ...rows]) process.stdout.write(row.map((c, i) => c.padEnd(widths[i])).join('  ') + '\n');
  return 0;
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
