// A circuit breaker per deployment: after `failureThreshold` consecutive failures it opens and
// sends nothing for `cooldownMs`; then it lets one probe through (half-open) and closes on its
// success or opens again on its failure. Pure: time is passed in.

export interface BreakerSettings {
  failureThreshold: number;
  cooldownMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private state: BreakerState = 'closed';
  private probeInFlight = false;

  constructor(private readonly settings: BreakerSettings) {}

  /** Whether a call may go through now; in half-open state only one probe at a time may. */
  tryAcquire(now: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (now - this.openedAt < this.settings.cooldownMs) return false;
      this.state = 'half-open';
    }
    if (this.probeInFlight) return false;
    this.probeInFlight = true;
    return true;
  }

  /** Whether a call could go through now, without claiming the half-open probe. */
  isAvailable(now: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') return now - this.openedAt >= this.settings.cooldownMs;
    return !this.probeInFlight;
  }

  onSuccess(): void {
    this.failures = 0;
    this.probeInFlight = false;
    this.state = 'closed';
  }

  onFailure(now: number): void {
    this.probeInFlight = false;
    this.failures++;
    if (this.state === 'half-open' || this.failures >= this.settings.failureThreshold) {
      this.state = 'open';
      this.openedAt = now;
    }
  }

  /** The call ended without saying anything about the deployment's health (e.g. the client left). */
  onAbandoned(): void {
    this.probeInFlight = false;
  }

  stateAt(now: number): BreakerState {
    if (this.state === 'open' && now - this.openedAt >= this.settings.cooldownMs) return 'half-open';
    return this.state;
  }
}
