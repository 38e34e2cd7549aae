// A job that billing runs on a timer while its API runs (lease expiry, credit expiry): one run at
// a time per process, failures logged and retried at the next tick, and stop() waits for a run in
// progress so the database can be closed after it.
import { Logger } from '@assay/platform';

export abstract class PeriodicSweep<T> {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<T> | null = null;
  protected readonly log: Logger;

  protected constructor(
    name: string,
    private readonly intervalMs: number,
  ) {
    this.log = new Logger(name);
  }

  /** One run: what it did, for logs and tests. */
  protected abstract sweep(): Promise<T>;

  /** True between start() and stop(). */
  get isRunning(): boolean {
    return this.timer !== null;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweepOnce().catch((err) => this.log.warn('sweep failed; will retry', { error: String(err) })), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  sweepOnce(): Promise<T> {
    this.running ??= this.sweep().finally(() => (this.running = null));
    return this.running;
  }

  /** NestJS lifecycle: runs while the billing API runs. */
  onApplicationBootstrap(): void {
    this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }
}
