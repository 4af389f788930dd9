import type { Attributes } from '../pipeline';

/**
 * A token count too large to read exactly (2^53 or more): the span carrying it is refused
 * whole rather than priced on its other classes as if this one had not been reported.
 */
export class TokenCountRefused extends Error {
  constructor(
    /** The attribute (or attribute and JSON path) that held the count. */
    readonly attribute: string,
    readonly value: string,
  ) {
    super(`${attribute} = ${value.length > 40 ? `${value.slice(0, 40)}...` : value} is 2^53 or more, beyond the largest token count read exactly (2^53-1)`);
    this.name = 'TokenCountRefused';
  }
}

const LIMIT = Number.MAX_SAFE_INTEGER;

/**
 * A token count from an attribute value or a JSON number: a non-negative integer, null when
 * it is no count (empty, negative, fractional, not a number). Throws TokenCountRefused when
 * it is an integer of 2^53 or more, which a JS number cannot hold exactly.
 */
export function countOf(value: unknown, attribute: string): number | null {
  if (value === undefined || value === null || value === '') return null;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (Number.isSafeInteger(n) && n >= 0) return n;
  if (n > LIMIT) throw new TokenCountRefused(attribute, String(value));
  return null;
}

/** The first of `keys` holding a token count (see countOf), or null when none does. */
export function readCount(attrs: Attributes, keys: readonly string[]): number | null {
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const n = countOf(attrs[key], key);
    if (n !== null) return n;
  }
  return null;
}

/** a + b + c of counts, refused as a whole when the sum is no longer exact. */
export function sumCounts(what: string, ...parts: (number | null)[]): number {
  let total = 0;
  for (const p of parts) total += p ?? 0;
  if (total > LIMIT) throw new TokenCountRefused(what, String(total));
  return total;
}
