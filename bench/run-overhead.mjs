#!/usr/bin/env node
// Measures the latency Assay adds on top of its provider, and its throughput, next to calling the
// fake provider directly and next to a peer gateway (Portkey). Not a test: no pass/fail, it writes
// bench/RESULTS.md. See bench/README.md. Needs `npm run build` first (`npm run bench` does it).
//
//   node bench/run-overhead.mjs [--duration 15] [--warmup 5] [--targets direct,standalone,cluster,portkey]
//                               [--rates 500,2000] [--sat-connections 64] [--no-profile] [--quiet-wait 120] [--retries 2]
//                               [--out bench/RESULTS.md]
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMs, machineCpu, ourCpuMs, rssMiB, startProcess, stopAll, stopProcess } from './lib/procs.mjs';
import { summarizeProfile, formatSummary } from './summarize-cpuprofile.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const NODE = process.execPath;
const RUN_ID = new Date().toISOString().replace(/[:.]/g, '-');
const WORK = join(ROOT, '.data', 'bench', RUN_ID);
const LOGS = join(WORK, 'logs');

// ---------------------------------------------------------------- options
function parseArgs(argv) {
  const o = {
    duration: 15,
    warmup: 5,
    targets: ['direct', 'standalone', 'cluster', 'portkey'],
    rates: [500, 2000],
    satConnections: 64,
    profile: true,
    out: join(ROOT, 'bench', 'RESULTS.md'),
    pause: 3,
    quietWait: 120,
    retries: 2,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--duration': o.duration = Number(value()); break;
      case '--warmup': o.warmup = Number(value()); break;
      case '--targets': o.targets = value().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--rates': o.rates = value().split(',').map(Number); break;
      case '--sat-connections': o.satConnections = Number(value()); break;
      case '--no-profile': o.profile = false; break;
      case '--quiet-wait': o.quietWait = Number(value()); break;
      case '--retries': o.retries = Number(value()); break;
      case '--out': o.out = value(); break;
      case '--help': case '-h':
        console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 8).join('\n'));
        process.exit(0);
        break;
      default: throw new Error(`unknown flag ${argv[i]} (see --help)`);
    }
  }
  const known = ['direct', 'standalone', 'cluster', 'portkey'];
  for (const t of o.targets) if (!known.includes(t)) throw new Error(`unknown target ${t}; known: ${known.join(', ')}`);
  // The direct run is the baseline for "added latency": run it first.
  o.targets.sort((a, b) => known.indexOf(a) - known.indexOf(b));
  if (!(o.duration > 0) || !(o.warmup >= 0)) throw new Error('--duration must be > 0 and --warmup >= 0');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const t0 = Date.now();
const say = (msg) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}`);

// ---------------------------------------------------------------- the request every phase sends
const MODEL = 'mock-small';
const BODY = JSON.stringify({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'Say hello in five words.' }] });
const API_KEY = 'sk-assay-bench-key-0123456789abcdef';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The environment for our services without anything that would override the bench config. */
function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of ['DATABASE_URL', 'KAFKA_BROKERS', 'ASSAY_PORT', 'ASSAY_CONFIG', 'ASSAY_DEMO_KEY', 'NODE_OPTIONS']) delete env[k];
  return { ...env, ...extra };
}

async function waitForOk(target, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(target.url, { method: 'POST', headers: target.headers, body: BODY, signal: AbortSignal.timeout(5000) });
      const text = await res.text();
      if (res.ok && JSON.parse(text).choices?.[0]?.message) return;
      last = `${res.status} ${text.slice(0, 300)}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${target.name}: no successful chat completion within ${timeoutMs} ms; last: ${last}`);
}

// ---------------------------------------------------------------- load phases
function runLoad(target, { duration, connections, rate }) {
  const payload = JSON.stringify({ url: target.url, headers: target.headers, body: BODY, duration, connections, rate });
  return startProcess({
    name: `loadgen-${target.name}-${rate ?? 'sat'}`,
    args: [join(ROOT, 'bench', 'lib', 'load-worker.mjs'), payload],
    env: cleanEnv(),
    cwd: ROOT,
    logDir: LOGS,
  }).then(async (proc) => {
    let out = '';
    proc.child.stdout.on('data', (d) => (out += d));
    const code = await proc.exited;
    const line = out.trim().split('\n').pop();
    let result;
    try {
      result = JSON.parse(line);
    } catch {
      throw new Error(`load generator exited ${code} without a result; see ${proc.logPath}`);
    }
    if (result.error) throw new Error(`load generator: ${result.error}`);
    return result;
  });
}

const sumCpu = (pids) => pids.reduce((a, p) => a + (cpuMs(p) ?? 0), 0);

/** Machine CPU use (in cores) over `ms`. */
async function machineBusyCores(ms) {
  const a = machineCpu();
  await new Promise((r) => setTimeout(r, ms));
  const b = machineCpu();
  return a && b ? (b.busy - a.busy) / ms : null;
}

/**
 * The machine is shared (other people's builds and tests run here): before each phase, wait up to
 * --quiet-wait seconds for it to be nearly idle, so that a phase does not measure someone's tsc.
 * Returns the busy level seen last (in cores).
 */
async function waitForQuiet(label) {
  const deadline = Date.now() + opts.quietWait * 1000;
  let busy = await machineBusyCores(1000);
  let warned = false;
  while (busy !== null && busy > 0.25 && Date.now() < deadline) {
    if (!warned) say(`${label}: machine busy (${busy.toFixed(2)} cores in use before the phase); waiting up to ${opts.quietWait}s for it to settle`);
    warned = true;
    busy = await machineBusyCores(2000);
  }
  if (warned) say(`${label}: ${busy > 0.25 ? 'still busy, measuring anyway' : 'quiet now'} (${busy.toFixed(2)} cores)`);
  return busy;
}

const INFRA_MARKERS = [join(ROOT, '.data', 'postgres'), join(ROOT, '.data', 'kafka')];

async function measurePhase(target, mock, phase) {
  const idleBefore = await waitForQuiet(`${target.name}: ${phase.label}`);
  say(`${target.name}: ${phase.label} for ${opts.duration}s ...`);
  const markers = target.name === 'cluster' ? INFRA_MARKERS : [];
  const cpuBefore = sumCpu(target.pids());
  const mockBefore = cpuMs(mock.pid);
  const machineBefore = machineCpu();
  const oursBefore = ourCpuMs(process.pid, markers);
  const started = Date.now();
  const r = await runLoad(target, { duration: opts.duration, connections: phase.connections, rate: phase.rate });
  const elapsed = Date.now() - started;
  const machineAfter = machineCpu();
  const oursAfter = ourCpuMs(process.pid, markers);
  const gatewayCpuMs = target.pids().length ? sumCpu(target.pids()) - cpuBefore : null;
  const mockCpuMs = cpuMs(mock.pid) - mockBefore;
  const machineBusyCores = machineBefore && machineAfter ? (machineAfter.busy - machineBefore.busy) / elapsed : null;
  // CPU of processes this bench did not start (and, for the cluster, not PostgreSQL/Kafka): other
  // people's work on a shared machine. The load generator has exited by now; add its own count.
  const otherCpuMs =
    machineBefore && machineAfter && oursBefore !== null && oursAfter !== null
      ? Math.max(0, machineAfter.busy - machineBefore.busy - (oursAfter - oursBefore) - r.loadgenCpuMs)
      : null;
  return { r, gatewayCpuMs, mockCpuMs, otherCpuMs, otherCores: otherCpuMs === null ? null : otherCpuMs / elapsed, machineBusyCores, idleBefore };
}

async function runPhases(target, mock) {
  const phases = [
    ...opts.rates.map((rate) => ({ label: `${rate} req/s`, rate, connections: Math.max(10, Math.min(200, Math.round(rate / 20))) })),
    { label: `saturation (${opts.satConnections} conns)`, rate: undefined, connections: opts.satConnections },
  ];
  if (opts.warmup > 0) {
    say(`${target.name}: warming up ${opts.warmup}s (16 connections, unpaced)`);
    await runLoad(target, { duration: opts.warmup, connections: 16 });
  }
  const results = [];
  for (const phase of phases) {
    let attempt = 0;
    let m;
    for (;;) {
      await new Promise((r) => setTimeout(r, opts.pause * 1000));
      m = await measurePhase(target, mock, phase);
      // Someone else's work (a build, a test run) took CPU during the phase: do it again.
      if (m.otherCores === null || m.otherCores <= 0.25 || attempt >= opts.retries) break;
      attempt++;
      say(`${target.name}: ${phase.label}: disturbed (${m.otherCores.toFixed(2)} cores used by other processes); repeating (${attempt}/${opts.retries})`);
    }
    const { r, gatewayCpuMs, mockCpuMs, otherCpuMs, machineBusyCores, idleBefore } = m;
    const rss = target.pids().map((p) => rssMiB(p) ?? 0).reduce((a, b) => a + b, 0) || null;
    const row = { target: target.name, phase: phase.label, rate: phase.rate ?? null, connections: phase.connections, ...r, gatewayCpuMs, mockCpuMs, otherCpuMs, machineBusyCores, busyCoresBefore: idleBefore, repeats: attempt, rssMiB: rss };
    results.push(row);
    const l = r.latencyMs;
    say(
      `${target.name}: ${phase.label}: ${r.rps.toFixed(0)} req/s, p50 ${fmt(l.p50)} p90 ${fmt(l.p90)} p99 ${fmt(l.p99)} max ${fmt(l.max)} ms, ` +
        `non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}` +
        (gatewayCpuMs !== null ? `, gateway CPU ${(gatewayCpuMs / r.responses).toFixed(3)} ms/req` : '') +
        (rss ? `, RSS ${rss} MiB` : '') +
        (machineBusyCores !== null ? `; machine ${machineBusyCores.toFixed(2)} cores busy (unrelated processes ${(otherCpuMs / 1000).toFixed(1)} CPU-s)` : ''),
    );
  }
  return results;
}

// ---------------------------------------------------------------- targets
async function startMock() {
  const port = await freePort();
  const proc = await startProcess({
    name: 'mock-provider',
    args: [join(ROOT, 'dist/apps/mock-provider/src/main.js')],
    env: cleanEnv({ MOCK_PROVIDER_PORT: String(port), MOCK_PROVIDER_HOST: '127.0.0.1' }),
    cwd: ROOT,
    logDir: LOGS,
    ready: 'listening',
  });
  return { proc, pid: proc.pid, url: `http://127.0.0.1:${port}` };
}

function bearer(key) {
  return { 'content-type': 'application/json', authorization: `Bearer ${key}` };
}

async function startDirect(mock) {
  return { name: 'direct', url: `${mock.url}/v1/chat/completions`, headers: bearer('sk-not-checked'), pids: () => [], stop: async () => {} };
}

async function startStandalone(mock, { cpuProfDir } = {}) {
  const dir = mkdtempSync(join(os.tmpdir(), 'assay-bench-standalone-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as its own user when we are root; it must enter the dir
  const [http, pgPort] = [await freePort(), await freePort()];
  const config = join(dir, 'standalone.yaml');
  writeFileSync(
    config,
    `ingress: { host: 127.0.0.1, port: ${http} }
gateway: { listen: 127.0.0.1:${await freePort()} }
database: { embedded: { dataDir: ${JSON.stringify(join(dir, 'postgres'))}, port: ${pgPort} } }
providers:
  mock: { kind: openai-compatible, baseUrl: ${mock.url}/v1 }
models:
  - { name: ${MODEL}, provider: mock }
bootstrapKeys:
  - { tenant: bench, key: ${API_KEY} }
`,
  );
  const args = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const proc = await startProcess({
    name: cpuProfDir ? 'standalone-profiled' : 'standalone',
    args: [...args, join(ROOT, 'dist/apps/standalone/src/main.js')],
    env: cleanEnv({ ASSAY_CONFIG: config }),
    cwd: ROOT,
    logDir: LOGS,
    ready: 'Assay is ready',
  });
  return {
    name: 'standalone',
    url: `http://127.0.0.1:${http}/v1/chat/completions`,
    headers: bearer(API_KEY),
    // The node process only: its embedded PostgreSQL is a separate process tree (metering writes).
    pids: () => [proc.pid],
    stop: async () => {
      const code = await stopProcess(proc, 30_000);
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

let infraStartedByUs = false;

function readLocalEnv() {
  const file = join(ROOT, '.data', 'local.env');
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

async function startCluster(mock) {
  const status = spawnSync('bash', [join(ROOT, 'infra/local/status.sh')], { cwd: ROOT, encoding: 'utf8' });
  if (status.status !== 0 || !existsSync(join(ROOT, '.data', 'local.env'))) {
    say('cluster: starting local PostgreSQL and Kafka (infra/local/up.sh) ...');
    infraStartedByUs = true;
    execFileSync('bash', [join(ROOT, 'infra/local/up.sh')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: cleanEnv() });
  } else {
    say('cluster: reusing the running local PostgreSQL and Kafka');
  }
  const { DATABASE_URL, KAFKA_BROKERS } = readLocalEnv();
  const dir = mkdtempSync(join(os.tmpdir(), 'assay-bench-cluster-'));
  const [http, router, connector] = [await freePort(), await freePort(), await freePort()];
  const config = join(dir, 'cluster.yaml');
  writeFileSync(
    config,
    `ingress: { host: 127.0.0.1, port: ${http} }
gateway: { listen: 127.0.0.1:${await freePort()} }
router: { listen: 127.0.0.1:${router}, address: 127.0.0.1:${router} }
connector: { listen: 127.0.0.1:${connector}, address: 127.0.0.1:${connector} }
kafka: { spillDir: ${JSON.stringify(join(dir, 'spill'))} }
providers:
  mock: { kind: openai-compatible, baseUrl: ${mock.url}/v1 }
models:
  - { name: ${MODEL}, provider: mock }
bootstrapKeys:
  - { tenant: bench, key: ${API_KEY} }
`,
  );
  const env = cleanEnv({ ASSAY_CONFIG: config, DATABASE_URL, KAFKA_BROKERS });
  const procs = [];
  try {
    for (const [name, ready] of [['provider-connector', 'listening'], ['router', 'listening'], ['metering', 'consuming'], ['ingress', 'listening']]) {
      procs.push(await startProcess({ name: `cluster-${name}`, args: [join(ROOT, `dist/apps/${name}/src/main.js`)], env, cwd: ROOT, logDir: LOGS, ready }));
    }
  } catch (e) {
    for (const p of procs.reverse()) await stopProcess(p);
    throw e;
  }
  const stopOrder = ['cluster-ingress', 'cluster-router', 'cluster-provider-connector', 'cluster-metering'];
  return {
    name: 'cluster',
    url: `http://127.0.0.1:${http}/v1/chat/completions`,
    headers: bearer(API_KEY),
    // ingress + router + connector: the request path. Metering consumes Kafka off the path.
    pids: () => procs.filter((p) => p.name !== 'cluster-metering').map((p) => p.pid),
    stop: async () => {
      for (const name of stopOrder) await stopProcess(procs.find((p) => p.name === name), 30_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startPortkey(mock) {
  const port = await freePort();
  const entry = join(ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js');
  if (!existsSync(entry)) throw new Error('@portkey-ai/gateway is not installed (npm install)');
  const proc = await startProcess({
    name: 'portkey',
    args: [entry, `--port=${port}`, '--headless'],
    env: cleanEnv(),
    cwd: ROOT,
    logDir: LOGS,
    ready: 'Ready for connections',
    timeoutMs: 60_000,
  });
  return {
    name: 'portkey',
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    headers: { ...bearer('sk-not-checked'), 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${mock.url}/v1` },
    pids: () => [proc.pid],
    stop: () => stopProcess(proc),
  };
}

const starters = { direct: startDirect, standalone: startStandalone, cluster: startCluster, portkey: startPortkey };

// ---------------------------------------------------------------- profile pass
async function profileStandalone(mock) {
  const profDir = join(ROOT, '.data', 'prof', RUN_ID);
  mkdirSync(profDir, { recursive: true });
  say(`profile: standalone with --cpu-prof (into ${relative(ROOT, profDir)})`);
  const target = await startStandalone(mock, { cpuProfDir: profDir });
  try {
    await waitForOk(target);
    if (opts.warmup > 0) await runLoad(target, { duration: opts.warmup, connections: 16 });
    await waitForQuiet('profile');
    say(`profile: saturation (${opts.satConnections} conns) for ${opts.duration}s ...`);
    const r = await runLoad(target, { duration: opts.duration, connections: opts.satConnections });
    say(`profile: ${r.rps.toFixed(0)} req/s under the profiler`);
  } finally {
    await target.stop();
  }
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${profDir}`);
  const path = join(profDir, file);
  return { path: relative(ROOT, path), summary: summarizeProfile(JSON.parse(readFileSync(path, 'utf8')), { root: ROOT, top: 15 }) };
}

// ---------------------------------------------------------------- report
const fmt = (v, d = 2) => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : Number(v).toFixed(d));

function report(results, profile, failures) {
  const direct = new Map(results.filter((r) => r.target === 'direct').map((r) => [r.phase, r]));
  const cpuModel = (() => {
    try {
      return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model;
    } catch {
      return os.cpus()[0]?.model;
    }
  })();
  const command = `node bench/run-overhead.mjs ${process.argv.slice(2).join(' ')}`.trim();
  const lines = [];
  lines.push('# Assay gateway overhead benchmark', '');
  lines.push(`Generated by \`bench/run-overhead.mjs\` (see bench/README.md). Re-run with \`npm run bench\`.`, '');
  lines.push(`- Date: ${new Date().toISOString()}`);
  lines.push(`- Machine: ${os.availableParallelism()} CPUs (nproc), ${cpuModel}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}`);
  lines.push(`- Node: ${process.version}; autocannon ${pkgVersion('autocannon')}; @portkey-ai/gateway ${pkgVersion('@portkey-ai/gateway')}`);
  lines.push(`- Command: \`${command}\``);
  lines.push(`- Code: ${gitState()}`);
  lines.push(`- Per phase: ${opts.duration}s measured after a ${opts.warmup}s warm-up per target, ${opts.pause}s pause between phases`);
  lines.push(`- Request: non-streaming \`POST /v1/chat/completions\`, model \`${MODEL}\`, body \`${BODY}\` (${BODY.length} bytes)`);
  lines.push(`- Provider: the fake provider (\`dist/apps/mock-provider\`, default config = zero latency) in its own process, shared by all targets`);
  lines.push('');
  lines.push('**Caveat:** this machine has 2 cores. The load generator (autocannon, in its own process), the fake provider and the gateway');
  lines.push('(for the cluster: ingress, router, connector, metering, Kafka and PostgreSQL) all share them, so the saturation numbers');
  lines.push('measure the whole box, not the gateway alone, and the direct baseline has more CPU left for the generator than the gateways do.');
  lines.push('Latencies are measured by the generator from the moment a request was due (open-loop pacing, coordinated omission counted).');
  lines.push('The machine may be shared with other work: each phase waits for it to be idle first, and is repeated (up to --retries times)');
  lines.push('when processes this bench did not start (not counting the cluster\'s PostgreSQL/Kafka) used more than 0.25 cores during it;');
  lines.push('"unrelated" CPU-s shows what they used in the phase that was kept.');
  lines.push('');
  lines.push('## Results');
  lines.push('');
  lines.push('Latencies in ms (successful responses only). "Added" = this target minus `direct` at the same phase. "CPU/req" = user+system CPU of the');
  lines.push('gateway process(es) on the request path divided by responses (standalone: the one process; cluster: ingress+router+connector; portkey: its process).');
  lines.push('');
  lines.push('| target | phase | achieved req/s | p50 | p90 | p99 | max | added p50 | added p99 | non-2xx | errors / timeouts | gateway CPU/req (ms) | gateway RSS (MiB) | CPU-s gateway / mock / loadgen / unrelated | machine busy (cores) | repeats |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const l = r.latencyMs;
    const base = direct.get(r.phase);
    const isRate = r.rate !== null;
    const added = (k) => (isRate && base && r.target !== 'direct' ? fmt(l[k] - base.latencyMs[k]) : '');
    const short = isRate && r.rps < r.rate * 0.95 ? ` (short of ${r.rate})` : '';
    lines.push(
      `| ${r.target} | ${r.phase} | ${r.rps.toFixed(0)}${short} | ${fmt(l.p50)} | ${fmt(l.p90)} | ${fmt(l.p99)} | ${fmt(l.max)} | ${added('p50')} | ${added('p99')} | ${r.non2xx} | ${r.errors} / ${r.timeouts} | ${r.gatewayCpuMs === null ? '' : fmt(r.gatewayCpuMs / Math.max(1, r.responses), 3)} | ${r.rssMiB ?? ''} | ${fmt((r.gatewayCpuMs ?? 0) / 1000, 1)} / ${fmt(r.mockCpuMs / 1000, 1)} / ${fmt(r.loadgenCpuMs / 1000, 1)} / ${fmt(r.otherCpuMs / 1000, 1)} | ${fmt(r.machineBusyCores)}${r.busyCoresBefore > 0.25 ? ` (${fmt(r.busyCoresBefore)} before start!)` : ''} | ${r.repeats} |`,
    );
  }
  const sat = results.filter((r) => r.rate === null);
  const satDirect = sat.find((r) => r.target === 'direct');
  if (sat.length) {
    lines.push('', '### Saturation throughput', '');
    lines.push('| target | req/s | vs direct |');
    lines.push('|---|---:|---:|');
    for (const r of sat) lines.push(`| ${r.target} | ${r.rps.toFixed(0)} | ${satDirect ? `${((100 * r.rps) / satDirect.rps).toFixed(0)}%` : 'n/a'} |`);
  }
  lines.push(...targetLines(results, direct));
  if (failures.length) {
    lines.push('', '### Targets that did not run', '');
    for (const f of failures) lines.push(`- **${f.target}**: ${f.error}`);
  }
  if (profile) {
    lines.push('', '## Profile', '');
    lines.push(`Standalone under saturation (${opts.satConnections} connections, ${opts.duration}s after a ${opts.warmup}s warm-up), \`node --cpu-prof\`; profile \`${profile.path}\`,`);
    lines.push(`summarised by \`node bench/summarize-cpuprofile.mjs <file>\`. Self time = time the sampled stack had this function on top.`);
    lines.push('', '```', formatSummary(profile.summary), '```');
  }
  lines.push('', '## Raw results', '', '<details><summary>JSON, one object per phase</summary>', '', '```json');
  for (const r of results) lines.push(JSON.stringify(r));
  lines.push('```', '', '</details>', '');
  return lines.join('\n');
}

/** The speed targets the gateway is held to (issue 3), checked against this run. */
function targetLines(results, direct) {
  const phase = (target, rate) => results.find((r) => r.target === target && r.rate === rate);
  const added = (r, k) => (r && direct.get(r.phase) ? r.latencyMs[k] - direct.get(r.phase).latencyMs[k] : null);
  const standalone500 = phase('standalone', 500);
  const standaloneSat = phase('standalone', null);
  const portkeySat = phase('portkey', null);
  const ratio = standaloneSat && portkeySat ? standaloneSat.rps / portkeySat.rps : null;
  const targets = [
    ['standalone, added p50 at 500 req/s', '≤ 1 ms', added(standalone500, 'p50'), (v) => v <= 1, (v) => `+${fmt(v)} ms`],
    ['standalone, added p99 at 500 req/s', '≤ 5 ms', added(standalone500, 'p99'), (v) => v <= 5, (v) => `+${fmt(v)} ms`],
    ['standalone saturation vs the peer (Portkey)', '≥ 3×', ratio, (v) => v >= 3, (v) => `${fmt(v)}×`],
    ['cluster, added p50 at 500 req/s', '≤ 3 ms', added(phase('cluster', 500), 'p50'), (v) => v <= 3, (v) => `+${fmt(v)} ms`],
  ];
  const lines = ['', '### Targets', '', '| target | goal | this run | |', '|---|---|---:|---|'];
  for (const [what, goal, value, ok, show] of targets) lines.push(`| ${what} | ${goal} | ${value === null ? 'not run' : show(value)} | ${value === null ? '' : ok(value) ? 'met' : 'not met'} |`);
  lines.push('', 'What limits the ones not met, measured: bench/README.md, "Findings".');
  return lines;
}

/** Which code was measured: dist/ is built from the working tree, which may differ from HEAD. */
function gitState() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps', 'libs'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return `git ${head}${dirty ? ` plus uncommitted changes in ${dirty.split('\n').length} file(s) under apps/ and libs/` : ''} (dist/ as built before the run)`;
  } catch {
    return 'unknown (no git)';
  }
}

function pkgVersion(name) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

// ---------------------------------------------------------------- main, with cleanup on every exit path
let cleaning = null;
async function cleanup() {
  cleaning ??= (async () => {
    await stopAll();
    if (infraStartedByUs) {
      say('stopping the local PostgreSQL and Kafka this run started (infra/local/down.sh)');
      spawnSync('bash', [join(ROOT, 'infra/local/down.sh')], { cwd: ROOT, stdio: 'inherit' });
    }
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    say(`${signal}: stopping everything this run started ...`);
    cleanup().finally(() => process.exit(130));
  });
}

async function main() {
  if (!existsSync(join(ROOT, 'dist/apps/standalone/src/main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  mkdirSync(LOGS, { recursive: true });
  say(`targets ${opts.targets.join(', ')}; phases ${opts.rates.map((r) => `${r} req/s`).join(', ')}, saturation; ${opts.duration}s each; logs in ${relative(ROOT, LOGS)}`);
  const mock = await startMock();
  say(`fake provider on ${mock.url}`);
  const results = [];
  const failures = [];
  for (const name of opts.targets) {
    let target;
    try {
      say(`${name}: starting`);
      target = await starters[name](mock);
      await waitForOk(target);
      say(`${name}: ready on ${target.url}`);
      results.push(...(await runPhases(target, mock)));
    } catch (e) {
      say(`${name}: FAILED: ${e.message}`);
      failures.push({ target: name, error: e.message.split('\n')[0] });
    } finally {
      if (target) await target.stop();
    }
    // Written after every target, so an interrupted run still leaves what it measured.
    writeFileSync(opts.out, report(results, null, failures));
  }
  let profile = null;
  if (opts.profile && opts.targets.includes('standalone')) {
    try {
      profile = await profileStandalone(mock);
      console.log(formatSummary(profile.summary));
    } catch (e) {
      say(`profile: FAILED: ${e.message}`);
    }
  }
  writeFileSync(opts.out, report(results, profile, failures));
  say(`wrote ${relative(ROOT, opts.out)}`);
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
