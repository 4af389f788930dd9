/**
 * The times a span may carry: from `maxSpanAgeDays` before now to `maxFutureSkewSeconds`
 * after it. A call outside it would be billed yet sit in no budget period anyone watches
 * (1970, 2262), so it is refused with partial success instead. Bounds are unsigned
 * decimal nanosecond strings, compared as the readers produce them (no leading zeros).
 */
export interface TimeWindow {
  minStartNanos: string;
  maxNanos: string;
  maxSpanAgeDays: number;
  maxFutureSkewSeconds: number;
}

/** The window's settings, from the receiver config. */
export interface TimeWindowSettings {
  maxSpanAgeDays: number;
  maxFutureSkewSeconds: number;
}

const DAY_MS = 86_400_000;

/** The window around `nowMs`; computed once per export request. */
export function timeWindowAt(nowMs: number, s: TimeWindowSettings): TimeWindow {
  const nanos = (ms: number) => (BigInt(Math.max(0, Math.floor(ms))) * 1_000_000n).toString();
  return {
    minStartNanos: nanos(nowMs - s.maxSpanAgeDays * DAY_MS),
    maxNanos: nanos(nowMs + s.maxFutureSkewSeconds * 1000),
    maxSpanAgeDays: s.maxSpanAgeDays,
    maxFutureSkewSeconds: s.maxFutureSkewSeconds,
  };
}

/** Why a span's times fall outside the window (with the counter's reason), or null. */
export function timeWindowProblem(startNanos: string, endNanos: string, w: TimeWindow): { reason: 'too_old' | 'in_future'; why: string } | null {
  if (less(startNanos, w.minStartNanos)) {
    return { reason: 'too_old', why: `start_time_unix_nano ${startNanos} (${iso(startNanos)}) is more than ${w.maxSpanAgeDays} days in the past (receiver.maxSpanAgeDays)` };
  }
  if (less(w.maxNanos, startNanos)) {
    return { reason: 'in_future', why: `start_time_unix_nano ${startNanos} (${iso(startNanos)}) is more than ${w.maxFutureSkewSeconds} s in the future (receiver.maxFutureSkewSeconds)` };
  }
  if (less(w.maxNanos, endNanos)) {
    return { reason: 'in_future', why: `end_time_unix_nano ${endNanos} (${iso(endNanos)}) is more than ${w.maxFutureSkewSeconds} s in the future (receiver.maxFutureSkewSeconds)` };
  }
  return null;
}

function less(a: string, b: string): boolean {
  return a.length !== b.length ? a.length < b.length : a < b;
}

function iso(nanos: string): string {
  const ms = Number(nanos.length > 6 ? nanos.slice(0, -6) : '0');
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? 'out of range' : d.toISOString();
}
