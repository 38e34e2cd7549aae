// Expires credit lots when they are due (credit-expiry.ts), on a timer in every billing process:
// started and stopped with the billing API, like the lease sweep. Runs in several processes at once
// are safe: they take turns per tenant and post each expiry once. Operators can run the same
// thing with `npm run admin -- expire-credits`.
import type { DataSource } from 'typeorm';
import { expireCredits, type ExpiredCredits } from './credit-expiry';
import { PeriodicSweep } from './periodic-sweep';

/**
 * Why 60 s: an expiry a minute late is invisible for credits that lasted days or months, and
 * finding nothing due is one indexed query per minute and billing process.
 */
export const CREDIT_EXPIRY_SWEEP_INTERVAL_MS = 60_000;

export class CreditExpirySweep extends PeriodicSweep<ExpiredCredits> {
  constructor(
    private readonly db: DataSource,
    intervalMs = CREDIT_EXPIRY_SWEEP_INTERVAL_MS,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super('credit-expiry-sweep', intervalMs);
  }

  /** Expires what is due by now. */
  protected async sweep(): Promise<ExpiredCredits> {
    const expired = await expireCredits(this.db, this.clock());
    if (expired.lots > 0) this.log.info('credit lots expired', { lots: expired.lots, transactions: expired.transactions, units: expired.units.toString() });
    return expired;
  }
}
