// Closes lapsed leases on budgets nobody touches. Every change to a budget already expires that
// budget's lapsed leases (budget-store.ts); without this sweep, the slice of a crashed replica on a
// budget that nobody reads or leases from again would stay out of the budget. Started and stopped
// with the billing API. Never waits for a busy budget: it skips a budget whose row is locked, as
// whoever holds the lock expires its leases.
import { Logger } from '@assay/platform';
import type { DataSource } from 'typeorm';
import { expireLapsedLeases } from './budget-store';

/**
 * Why 30 s: a tenth of the default lease ttl, so a lapsed slice on an untouched budget is back at
 * most 30 s late, for one indexed query per interval and billing process.
 */
export const LEASE_SWEEP_INTERVAL_MS = 30_000;

export class LeaseExpirySweep {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private readonly log = new Logger('lease-expiry-sweep');

  constructor(
    private readonly db: DataSource,
    private readonly intervalMs = LEASE_SWEEP_INTERVAL_MS,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** True between start() and stop(). */
  get isRunning(): boolean {
    return this.timer !== null;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweepOnce().catch((err) => this.log.warn('lease sweep failed; will retry', { error: String(err) })), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a sweep in progress, so the database can be closed after it. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** Expires what lapsed by now; returns how many leases it closed. One sweep at a time. */
  sweepOnce(): Promise<number> {
    this.running ??= expireLapsedLeases(this.db, this.clock()).finally(() => (this.running = null));
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
