// The one typed error of the mock provider. Wire modules map it to their protocol's envelope
// (openai-wire.ts, anthropic-wire.ts); nothing else formats error bodies.

export type MockErrorReason = 'invalid_request' | 'invalid_api_key' | 'not_found' | 'rate_limited' | 'injected_failure' | 'too_large';

export class MockProviderError extends Error {
  constructor(
    readonly status: number,
    readonly reason: MockErrorReason,
    message: string,
    readonly param: string | null = null,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'MockProviderError';
  }
}

export function invalidRequest(message: string, param: string | null = null): MockProviderError {
  return new MockProviderError(400, 'invalid_request', message, param);
}
