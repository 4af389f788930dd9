import { status as GrpcStatus } from '@grpc/grpc-js';
import { PermanentError, RetryableError } from '../pipeline';

/** How one failure is reported on both transports. The only place errors become codes. */
export interface WireStatus {
  httpStatus: number;
  grpcCode: GrpcStatus;
  message: string;
  /** Set for retryable failures: Retry-After / RetryInfo. */
  retryAfterMs?: number;
  /** True when the sender must not retry. */
  permanent: boolean;
}

const PERMANENT: Record<PermanentError['reason'], { http: number; grpc: GrpcStatus }> = {
  invalid_argument: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT },
  payload_too_large: { http: 413, grpc: GrpcStatus.RESOURCE_EXHAUSTED },
  unsupported_media_type: { http: 415, grpc: GrpcStatus.INVALID_ARGUMENT },
  unauthenticated: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED },
  not_found: { http: 404, grpc: GrpcStatus.NOT_FOUND },
};

/**
 * Maps any error to its wire status: PermanentError by reason, RetryableError to
 * 503 / UNAVAILABLE with its delay, anything unexpected to retryable 503 (the OTel
 * Collector's rule: only what is known to be permanent is refused for good).
 */
export function toWireStatus(err: unknown): WireStatus {
  if (err instanceof PermanentError) {
    const m = PERMANENT[err.reason];
    return { httpStatus: m.http, grpcCode: m.grpc, message: err.message, permanent: true };
  }
  const retryAfterMs = err instanceof RetryableError ? err.retryAfterMs : 1000;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof RetryableError && err.throttled) {
    // OTLP: 429 and RESOURCE_EXHAUSTED with RetryInfo are retryable, after the delay.
    return { httpStatus: 429, grpcCode: GrpcStatus.RESOURCE_EXHAUSTED, message, retryAfterMs, permanent: false };
  }
  return {
    httpStatus: 503,
    grpcCode: GrpcStatus.UNAVAILABLE,
    message: `temporarily unavailable, retry later: ${message}`,
    retryAfterMs,
    permanent: false,
  };
}
