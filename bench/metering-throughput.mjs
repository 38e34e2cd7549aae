// Metering throughput: how many usage events per second the metering service turns into priced
// records and aggregates, from the real Kafka broker into the real PostgreSQL, and that its
// consumer lag returns to zero after the burst. Not a test; writes bench/METERING.md.
//
//   npm run build && bash infra/local/up.sh && node bench/metering-throughput.mjs [--requests 50000]
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import kafkajs from 'kafkajs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = (await import('node:module')).createRequire(import.meta.url);
const { ProviderAttempt, RequestCompleted, Topics } = require(join(ROOT, 'dist/libs/contracts/src/index.js'));
const { values } = parseArgs({ options: { requests: { type: 'string', default: '50000' } } });
const REQUESTS = Number(values.requests);
const EVENTS = REQUESTS * 2;
const say = (m) => console.log(`[metering-bench] ${m}`);

const env = Object.fromEntries(readFileSync(join(ROOT, '.data/local.env'), 'utf8').split('\n').filter((l) => l.includes('=') && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
const brokers = env.KAFKA_BROKERS.split(',');
const tenant = `bench-${randomUUID()}`;

// Metering as a real process, as in production.
const dir = mkdtempSync(join(os.tmpdir(), 'assay-metering-bench-'));
const config = join(dir, 'cluster.yaml');
writeFileSync(config, `providers:\n  mock: { kind: openai-compatible, baseUrl: http://127.0.0.1:1/v1 }\nmodels:\n  - { name: mock-small, provider: mock }\n`);
const metering = spawn(process.execPath, [join(ROOT, 'dist/apps/metering/src/main.js')], { cwd: ROOT, env: { ...process.env, ASSAY_CONFIG: config, DATABASE_URL: env.DATABASE_URL, KAFKA_BROKERS: env.KAFKA_BROKERS }, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  metering.stdout.on('data', (d) => d.toString().includes('consuming') && resolve());
  metering.once('exit', (c) => reject(new Error(`metering exited ${c}`)));
});
say('metering is consuming');

const kafka = new kafkajs.Kafka({ clientId: 'metering-bench', brokers, logLevel: kafkajs.logLevel.NOTHING });
const producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
await producer.connect();
const db = new pg.Client(env.DATABASE_URL);
await db.connect();

say(`producing ${EVENTS} events (${REQUESTS} requests, each one RequestCompleted and one ProviderAttempt) ...`);
const produceStart = performance.now();
const usage = { promptTokens: 120, completionTokens: 40, totalTokens: 160, cachedTokens: 0, reasoningTokens: 0 };
const BATCH = 2000;
for (let i = 0; i < REQUESTS; i += BATCH / 2) {
  const completed = [];
  const attempts = [];
  for (let j = i; j < Math.min(REQUESTS, i + BATCH / 2); j++) {
    // Spread over several tenants' keys, like real traffic, so all partitions are used.
    const context = { requestId: randomUUID(), tenantId: tenant, teamId: '', keyId: `k${j % 16}`, endUser: `u${j % 500}`, tags: { feature: `f${j % 4}` }, promptType: `p${j % 8}`, deadlineMs: 0 };
    const at = Date.now();
    const e1 = { eventId: randomUUID(), context, requestedModel: 'mock-small', servedModel: 'mock-small', provider: 'mock', usage, attempts: 1, status: 'ok', httpStatus: 200, stream: false, startedAtMs: at, latencyMs: 5, operation: 'chat', servedCostPico: '', deployment: 'mock/mock-small' };
    const e2 = { eventId: randomUUID(), context, attempt: 1, model: 'mock-small', provider: 'mock', deployment: 'mock/mock-small', upstreamModel: 'mock-small', usage, status: 'ok', httpStatus: 200, startedAtMs: at, latencyMs: 4, usageEstimated: false, operation: 'chat' };
    const key = `${tenant}-${j % 16}`;
    completed.push({ key, value: Buffer.from(RequestCompleted.encode(e1).finish()), headers: { 'assay-event-id': e1.eventId } });
    attempts.push({ key, value: Buffer.from(ProviderAttempt.encode(e2).finish()), headers: { 'assay-event-id': e2.eventId } });
  }
  await producer.sendBatch({ topicMessages: [{ topic: Topics.requestCompleted, messages: completed }, { topic: Topics.providerAttempt, messages: attempts }] });
}
const produced = performance.now();
say(`produced in ${((produced - produceStart) / 1000).toFixed(1)} s`);

let recorded = 0;
let lastReport = 0;
while (recorded < EVENTS) {
  const { rows } = await db.query('SELECT count(*)::int AS n FROM metering.usage_records WHERE tenant_id = $1', [tenant]);
  recorded = rows[0].n;
  if (performance.now() - lastReport > 2000) {
    say(`${recorded} / ${EVENTS} recorded`);
    lastReport = performance.now();
  }
  if (recorded < EVENTS) await new Promise((r) => setTimeout(r, 100));
}
const done = performance.now();
const seconds = (done - produceStart) / 1000;
const rate = Math.round(EVENTS / seconds);
say(`all ${EVENTS} events recorded ${seconds.toFixed(1)} s after the first was produced: ${rate} events/s`);

const admin = kafka.admin();
await admin.connect();
let lag = 0;
for (const topic of [Topics.requestCompleted, Topics.providerAttempt]) {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId: 'assay-metering', topics: [topic] });
  for (const p of committed.partitions) lag += Number(ends.find((e) => e.partition === p.partition).high) - Math.max(0, Number(p.offset));
}
const { rows: agg } = await db.query(`SELECT sum(events)::int AS events FROM metering.usage_hourly WHERE tenant_id = $1`, [tenant]);
say(`consumer lag after the burst: ${lag} messages; aggregates hold ${agg[0].events} events`);

writeFileSync(
  join(ROOT, 'bench/METERING.md'),
  `# Metering throughput\n\nGenerated by \`node bench/metering-throughput.mjs --requests ${REQUESTS}\` on ${new Date().toISOString()}, ` +
    `${os.cpus().length} CPUs, Node ${process.version}. Real Kafka 3.9 and PostgreSQL 17 from infra/local on the same machine.\n\n` +
    `| events | produce time (s) | all recorded after (s) | throughput (events/s) | consumer lag after burst | aggregate events |\n|---:|---:|---:|---:|---:|---:|\n` +
    `| ${EVENTS} | ${((produced - produceStart) / 1000).toFixed(1)} | ${seconds.toFixed(1)} | ${rate} | ${lag} | ${agg[0].events} |\n\n` +
    'Each event becomes a priced usage record plus its share of two hourly aggregates (dimensions and feature tags), in one SQL statement per consumed batch.\n',
);
say('wrote bench/METERING.md');
await admin.disconnect();
await producer.disconnect();
await db.end();
metering.kill('SIGTERM');
await new Promise((r) => metering.once('exit', r));
