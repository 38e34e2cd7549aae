// The one error type that crosses Assay's layers. Each protocol edge maps it to its own wire
// envelope in one place (REST: OpenAI or Anthropic envelope; gRPC: status + ErrorDetail).

export interface AssayErrorFields {
  status: number;
  type: string;
  message: string;
  code?: string | null;
  param?: string | null;
  retryAfterSeconds?: number;
  /** Upstream calls made before this error was returned. */
  attempts?: number;
}

export class AssayError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  readonly retryAfterSeconds?: number;
  attempts: number;

  constructor(fields: AssayErrorFields) {
    super(fields.message);
    this.name = 'AssayError';
    this.status = fields.status;
    this.type = fields.type;
    this.code = fields.code ?? null;
    this.param = fields.param ?? null;
    this.retryAfterSeconds = fields.retryAfterSeconds;
    this.attempts = fields.attempts ?? 0;
  }

  /** The upstream status that makes trying another model worthwhile: throttling, outage, timeout. */
  get isProviderFailure(): boolean {
    return this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504;
  }

  /** The OpenAI error envelope: `{"error":{"message","type","param","code"}}`. */
  toOpenAIEnvelope(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  static invalidRequest(message: string, param: string | null = null, code: string | null = null): AssayError {
    return new AssayError({ status: 400, type: 'invalid_request_error', message, param, code });
  }

  static invalidApiKey(): AssayError {
    return new AssayError({
      status: 401,
      type: 'invalid_request_error',
      code: 'invalid_api_key',
      message: 'Incorrect API key provided. Use a virtual key issued by Assay in the Authorization header.',
    });
  }

  static modelNotFound(model: string): AssayError {
    return new AssayError({
      status: 404,
      type: 'invalid_request_error',
      code: 'model_not_found',
      param: 'model',
      message: `The model \`${model}\` does not exist or you do not have access to it.`,
    });
  }

  static notFound(message: string): AssayError {
    return new AssayError({ status: 404, type: 'invalid_request_error', code: 'not_found', message });
  }

  static upstream(status: number, message: string, retryAfterSeconds?: number): AssayError {
    if (status === 401 || status === 403) {
      // The provider refused Assay's own credentials: the caller's request is not at fault.
      return new AssayError({ status: 502, type: 'api_error', code: 'provider_auth_failed', message });
    }
    const mapped = status === 429 ? 429 : status >= 500 || status === 0 ? 502 : status;
    return new AssayError({
      status: mapped,
      type: mapped === 429 ? 'rate_limit_error' : mapped >= 500 ? 'api_error' : 'invalid_request_error',
      code: mapped === 429 ? 'rate_limit_exceeded' : 'upstream_error',
      message,
      retryAfterSeconds,
    });
  }

  static timeout(message = 'The request timed out before the provider answered.'): AssayError {
    return new AssayError({ status: 504, type: 'api_error', code: 'timeout', message });
  }

  static cancelled(): AssayError {
    return new AssayError({ status: 499, type: 'api_error', code: 'client_closed_request', message: 'The client closed the request.' });
  }

  static internal(message = 'The server had an error while processing your request.'): AssayError {
    return new AssayError({ status: 500, type: 'server_error', code: null, message });
  }

  /** Anything thrown that is not an AssayError becomes a 500 that leaks no internals. */
  static from(err: unknown): AssayError {
    return err instanceof AssayError ? err : AssayError.internal();
  }
}
