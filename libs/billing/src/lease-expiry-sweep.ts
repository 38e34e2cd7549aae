// Closes lapsed leases on budgets nobody touches. Every change to a budget already expires that
// budget's lapsed leases (budget-store.ts); without this sweep, the slice of a crashed replica on a
// budget that nobody reads or leases from again would stay out of the budget. Started and stopped
// with the billing API. Never waits for a busy budget: it skips a budget whose row is locked, as
// whoever holds the lock expires its leases.
import type { DataSource } from 'typeorm';
import { expireLapsedLeases } from './budget-store';
import { PeriodicSweep } from './periodic-sweep';

/**
 * Why 30 s: a tenth of the default lease ttl, so a lapsed slice on an untouched budget is back at
 * most 30 s late, for one indexed query per interval and billing process.
 */
export const LEASE_SWEEP_INTERVAL_MS = 30_000;

export class LeaseExpirySweep extends PeriodicSweep<number> {
  constructor(
    private readonly db: DataSource,
    intervalMs = LEASE_SWEEP_INTERVAL_MS,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super('lease-expiry-sweep', intervalMs);
  }

  /** Expires what lapsed by now; returns how many leases it closed. */
  protected sweep(): Promise<number> {
    return expireLapsedLeases(this.db, this.clock());
  }
}
