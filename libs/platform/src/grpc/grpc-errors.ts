// AssayError <-> gRPC status. The full error travels as ErrorDetail in trailing metadata so the
// far edge can rebuild the exact OpenAI envelope and HTTP status.
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { ErrorDetail } from '@assay/contracts';
import { AssayError } from '../assay-error';

const ERROR_KEY = 'assay-error-bin';

function grpcCodeFor(httpStatus: number): GrpcStatus {
  switch (httpStatus) {
    case 400: return GrpcStatus.INVALID_ARGUMENT;
    case 401: return GrpcStatus.UNAUTHENTICATED;
    case 402: return GrpcStatus.FAILED_PRECONDITION;
    case 403: return GrpcStatus.PERMISSION_DENIED;
    case 404: return GrpcStatus.NOT_FOUND;
    case 413: return GrpcStatus.INVALID_ARGUMENT;
    case 429: return GrpcStatus.RESOURCE_EXHAUSTED;
    case 499: return GrpcStatus.CANCELLED;
    case 504: return GrpcStatus.DEADLINE_EXCEEDED;
    default: return httpStatus >= 500 ? GrpcStatus.UNAVAILABLE : GrpcStatus.UNKNOWN;
  }
}

function httpStatusFor(code: GrpcStatus): number {
  switch (code) {
    case GrpcStatus.INVALID_ARGUMENT: return 400;
    case GrpcStatus.UNAUTHENTICATED: return 401;
    case GrpcStatus.PERMISSION_DENIED: return 403;
    case GrpcStatus.NOT_FOUND: return 404;
    case GrpcStatus.RESOURCE_EXHAUSTED: return 429;
    case GrpcStatus.CANCELLED: return 499;
    case GrpcStatus.DEADLINE_EXCEEDED: return 504;
    case GrpcStatus.UNAVAILABLE: return 503;
    default: return 500;
  }
}

/** The error as it travels between hops, in trailing metadata or in an Exchange reply. */
export function toErrorDetail(err: unknown): ErrorDetail {
  const e = AssayError.from(err);
  return {
    httpStatus: e.status,
    type: e.type,
    code: e.code ?? '',
    message: e.message,
    param: e.param ?? '',
    retryAfterSeconds: e.retryAfterSeconds ?? 0,
    attempts: e.attempts,
  };
}

export function fromErrorDetail(d: ErrorDetail): AssayError {
  return new AssayError({
    status: d.httpStatus,
    type: d.type,
    code: d.code || null,
    message: d.message,
    param: d.param || null,
    retryAfterSeconds: d.retryAfterSeconds || undefined,
    attempts: d.attempts,
  });
}

export function toGrpcError(err: unknown): Partial<ServiceError> {
  const detail = toErrorDetail(err);
  const metadata = new Metadata();
  metadata.set(ERROR_KEY, Buffer.from(ErrorDetail.encode(detail).finish()));
  return { code: grpcCodeFor(detail.httpStatus), details: detail.message, metadata };
}

export function fromGrpcError(err: unknown): AssayError {
  if (err instanceof AssayError) return err;
  const se = err as Partial<ServiceError>;
  const raw = se?.metadata?.get(ERROR_KEY)?.[0];
  if (raw instanceof Buffer) return fromErrorDetail(ErrorDetail.decode(raw));
  if (typeof se?.code === 'number') {
    const status = httpStatusFor(se.code);
    if (status === 504) return AssayError.timeout();
    if (status === 499) return AssayError.cancelled();
    return new AssayError({ status: status === 500 ? 502 : status, type: 'api_error', code: 'upstream_unavailable', message: `Internal hop failed: ${se.details ?? 'unknown'}` });
  }
  return AssayError.internal();
}
