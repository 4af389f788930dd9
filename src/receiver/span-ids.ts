const HEX = /^[0-9a-f]*$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * Checks a span's ids (lowercase hex) against the OTLP rules: a 16-byte non-zero trace id,
 * an 8-byte non-zero span id, and a parent id that is empty or 8 bytes. Returns why the
 * span is unusable, or null when it is fine.
 */
export function spanIdProblem(traceId: string, spanId: string, parentSpanId: string): string | null {
  if (traceId.length !== 32 || !HEX.test(traceId)) return `trace_id must be 16 bytes, got ${describe(traceId)}`;
  if (traceId === ZERO_TRACE) return 'trace_id must not be all zeros';
  if (spanId.length !== 16 || !HEX.test(spanId)) return `span_id must be 8 bytes, got ${describe(spanId)}`;
  if (spanId === ZERO_SPAN) return 'span_id must not be all zeros';
  if (parentSpanId.length !== 0 && (parentSpanId.length !== 16 || !HEX.test(parentSpanId))) {
    return `parent_span_id must be empty or 8 bytes, got ${describe(parentSpanId)}`;
  }
  return null;
}

function describe(hex: string): string {
  return HEX.test(hex) && hex.length % 2 === 0 ? `${hex.length / 2} bytes` : `'${hex.slice(0, 40)}' (not hex)`;
}

// DateTime64(9) stores signed 64-bit nanoseconds: the last instant it holds is in 2262.
const MAX_NANOS = '9223372036854775807';

/** Why a span's start or end time cannot be stored, or null. Times are unsigned decimal nanoseconds. */
export function spanTimeProblem(startNanos: string, endNanos: string): string | null {
  const tooLate = (t: string) => t.length > MAX_NANOS.length || (t.length === MAX_NANOS.length && t > MAX_NANOS);
  if (tooLate(startNanos)) return `start_time_unix_nano ${startNanos} is after 2262, the last time the ledger can store`;
  if (tooLate(endNanos)) return `end_time_unix_nano ${endNanos} is after 2262, the last time the ledger can store`;
  return null;
}
