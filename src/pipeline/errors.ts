/**
 * The two kinds of failure in the pipeline. A permanent error is the sender's fault and
 * must not be retried (bad payload, too large, unsupported media type); anything else is
 * retryable (storage down, overload) and tells the sender when to come back.
 */
export type PermanentReason =
  | 'invalid_argument'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unauthenticated'
  | 'not_found';

/** Bad input: reject, count, never retry. `message` names what was wrong. */
export class PermanentError extends Error {
  readonly kind = 'permanent' as const;
  constructor(
    readonly reason: PermanentReason,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentError';
  }
}

/** Backpressure or storage trouble: the sender should retry after `retryAfterMs`. */
export class RetryableError extends Error {
  readonly kind = 'retryable' as const;
  /** The sender is over its rate: 429 / RESOURCE_EXHAUSTED rather than 503 / UNAVAILABLE. */
  readonly throttled: boolean;
  constructor(
    message: string,
    readonly retryAfterMs = 1000,
    options?: { cause?: unknown; throttled?: boolean },
  ) {
    super(message, options);
    this.name = 'RetryableError';
    this.throttled = options?.throttled === true;
  }
}

/** True for errors the pipeline raised on purpose as permanent. */
export function isPermanent(err: unknown): err is PermanentError {
  return err instanceof PermanentError;
}
