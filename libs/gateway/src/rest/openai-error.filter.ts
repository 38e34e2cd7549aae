// The one place REST errors become wire errors: every failure, from a bad JSON body rejected by
// Fastify to a provider outage, leaves as the OpenAI error envelope with the matching status.
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AssayError } from '@assay/platform';
import { anthropicErrorEnvelope } from '@assay/providers-anthropic';

export function restErrorFrom(exception: unknown, request?: { method: string; url: string }): AssayError {
  if (exception instanceof AssayError) return exception;
  // Nest wraps Fastify's body-parser errors in an HttpException; the original says what went wrong.
  const cause = exception instanceof HttpException ? (exception.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return restErrorFrom(cause, request);
  const e = exception as { code?: string; statusCode?: number };
  const unparsable = exception instanceof SyntaxError || (e?.statusCode === 400 && String(e?.code ?? '').startsWith('FST_ERR_CTP'));
  if (unparsable) {
    return AssayError.invalidRequest(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The API expects a JSON payload, but what was sent was not valid JSON.)",
      );
  }
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AssayError({ status: 413, type: 'invalid_request_error', code: 'request_too_large', message: 'The request body is larger than this gateway accepts.' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AssayError({ status: 415, type: 'invalid_request_error', code: 'unsupported_media_type', message: 'Send the request body as application/json.' });
  }
  if (exception instanceof HttpException && exception.getStatus() === 404) {
    return new AssayError({ status: 404, type: 'invalid_request_error', message: `Invalid URL (${request?.method ?? ''} ${request?.url ?? ''})` });
  }
  if (exception instanceof HttpException) {
    return new AssayError({ status: exception.getStatus(), type: 'invalid_request_error', message: exception.message });
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AssayError({ status: e.statusCode, type: 'invalid_request_error', message: String((exception as Error).message) });
  }
  return AssayError.internal();
}

@Catch()
export class OpenAIErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const error = restErrorFrom(exception, request);
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.end();
      return;
    }
    if (error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
    // Each protocol answers in its own envelope: Anthropic's on /v1/messages, OpenAI's elsewhere.
    const body = request.url.startsWith('/v1/messages') ? anthropicErrorEnvelope(error.status, error.message) : error.toOpenAIEnvelope();
    void reply.status(error.status).header('content-type', 'application/json').send(body);
  }
}
