/** The provider answered with an error status. */
export class ProviderHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ProviderHttpError';
  }
}

/** The provider could not be reached or did not answer in time. */
export class ProviderUnreachable extends Error {
  constructor(message: string, readonly timedOut: boolean) {
    super(message);
    this.name = 'ProviderUnreachable';
  }
}
