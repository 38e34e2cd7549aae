// Starts a built Assay service as a real process and waits for the log line that says it is
// ready, so tests exercise exactly what operators run.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './local-infra';

export interface ServiceProcess {
  name: string;
  process: ChildProcess;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function startService(app: string, env: Record<string, string>, readyMessage: string, timeoutMs = 60_000): Promise<ServiceProcess> {
  const entry = join(REPO_ROOT, 'dist', 'apps', app, 'src', 'main.js');
  const logDir = join(REPO_ROOT, '.data', 'logs');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `test-${app}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [entry], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${app} did not log "${readyMessage}" within ${timeoutMs} ms; see .data/logs/test-${app}.log`)), timeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      log.write(line + '\n');
      if (line.includes(readyMessage)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${app} exited with ${code} before it was ready; see .data/logs/test-${app}.log`));
    });
  });

  return {
    name: app,
    process: child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      log.end();
      return code;
    },
  };
}
