// One JSON line per log record on stdout. Never logs request bodies or keys.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export class Logger {
  constructor(private readonly component: string) {}

  info(msg: string, fields?: Record<string, unknown>): void { this.write('info', msg, fields); }
  warn(msg: string, fields?: Record<string, unknown>): void { this.write('warn', msg, fields); }
  error(msg: string, fields?: Record<string, unknown>): void { this.write('error', msg, fields); }

  private write(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    process.stdout.write(JSON.stringify({ t: new Date().toISOString(), level, component: this.component, msg, ...fields }) + '\n');
  }
}
