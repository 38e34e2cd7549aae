// Child processes the benchmark starts: each gets its own log file and its own process group, is
// tracked until it exits, and is stopped by stopAll() on every way out (normal end, error, Ctrl-C).
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const running = new Set();

/**
 * Starts `args` (run by the current node binary unless `command` is given) and resolves when a
 * stdout/stderr line contains `ready` (a string) or, with no `ready`, right away.
 */
export async function startProcess({ name, args, command = process.execPath, env, cwd, logDir, ready, timeoutMs = 120_000 }) {
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, `${name}.log`);
  const log = createWriteStream(logPath, { flags: 'w' });
  // detached: its own process group, so a Ctrl-C in the terminal reaches only us and we stop
  // children in order (the standalone must stop its embedded PostgreSQL itself).
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const proc = { name, child, pid: child.pid, logPath, exited: null, exitCode: undefined };
  proc.exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      proc.exitCode = code ?? signal;
      running.delete(proc);
      resolve(proc.exitCode);
    }),
  );
  running.add(proc);
  const lines = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream.pipe(log, { end: false });
    createInterface({ input: stream }).on('line', (l) => {
      for (const fn of lines) fn(l);
    });
  }
  if (!ready) return proc;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: not ready ("${ready}") within ${timeoutMs} ms; see ${logPath}`)), timeoutMs);
    lines.push((l) => {
      if (l.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void proc.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name}: exited (${code}) before it was ready; see ${logPath}`));
    });
  });
  return proc;
}

/** SIGTERM, then SIGKILL to the whole process group if it has not exited after `graceMs`. */
export async function stopProcess(proc, graceMs = 15_000) {
  if (!proc || proc.exitCode !== undefined) return proc?.exitCode;
  try {
    process.kill(proc.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  const timer = new Promise((r) => setTimeout(() => r('timeout'), graceMs));
  if ((await Promise.race([proc.exited, timer])) === 'timeout') {
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await proc.exited;
  }
  return proc.exitCode;
}

/** Stops everything still running, newest first. */
export async function stopAll() {
  for (const proc of [...running].reverse()) await stopProcess(proc);
}

/** user+system CPU time of a process in ms (Linux /proc), or null. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11] = utime, fields[12] = stime (fields 14 and 15 of proc(5)), in clock ticks (100/s).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** Resident set size of a process in MiB (Linux /proc), or null. */
export function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** Whole-machine CPU counters (Linux /proc/stat), in ms summed over all cores: { busy, total } or null. */
export function machineCpu() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    // user + nice + system + steal. irq/softirq are left out: loopback networking under load is
    // accounted there and belongs to nobody's process, so it would read as "someone else's work".
    const busy = f[0] + f[1] + f[2] + f[7];
    return { busy: (busy * 1000) / 100, total: (total * 1000) / 100 };
  } catch {
    return null;
  }
}

/**
 * CPU ms of every process that descends from `rootPid` (the bench driver: everything it started,
 * including the standalone's embedded PostgreSQL) plus every process whose command line contains
 * one of `extraMarkers` (the local PostgreSQL/Kafka for the cluster). Linux only, else null.
 */
export function ourCpuMs(rootPid, extraMarkers = []) {
  try {
    const procs = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const cmd = extraMarkers.length ? readFileSync(`/proc/${d}/cmdline`, 'utf8') : '';
        procs.push({ pid: Number(d), ppid: Number(f[1]), cpu: ((Number(f[11]) + Number(f[12])) * 1000) / 100, cmd });
      } catch {
        /* exited meanwhile */
      }
    }
    const children = new Map();
    for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
    const ours = new Set();
    const visit = (pid) => {
      for (const c of children.get(pid) ?? []) if (!ours.has(c)) { ours.add(c); visit(c.pid); }
    };
    const self = procs.find((p) => p.pid === rootPid);
    if (self) ours.add(self);
    visit(rootPid);
    for (const p of procs) if (extraMarkers.some((m) => p.cmd.includes(m))) { ours.add(p); visit(p.pid); }
    return [...ours].reduce((a, p) => a + p.cpu, 0);
  } catch {
    return null;
  }
}
