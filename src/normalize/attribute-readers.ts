import type { Attributes } from '../pipeline';

/** The first non-empty value among `keys`, or ''. */
export function firstString(attrs: Attributes, keys: readonly string[]): string {
  for (let i = 0; i < keys.length; i++) {
    const v = attrs[keys[i]!];
    if (v !== undefined && v !== '') return v;
  }
  return '';
}

/**
 * The first of `keys` holding a non-negative integer (as OTLP int or a numeric string),
 * or null when none does. Floats like "12.0" are accepted when whole.
 */
export function firstCount(attrs: Attributes, keys: readonly string[]): number | null {
  for (let i = 0; i < keys.length; i++) {
    const v = attrs[keys[i]!];
    if (v === undefined || v === '') continue;
    const n = Number(v);
    if (Number.isSafeInteger(n) && n >= 0) return n;
  }
  return null;
}

/** Nanosecond decimal strings to a duration in milliseconds (0 when end precedes start). */
export function durationMs(startNano: string, endNano: string): number {
  const d = BigInt(endNano) - BigInt(startNano);
  return d > 0n ? Number(d) / 1e6 : 0;
}
