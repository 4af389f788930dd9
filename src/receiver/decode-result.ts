import type { SpanRecord } from '../pipeline';

/** What a codec made of one export request: the usable spans and the refused ones. */
export interface DecodeResult {
  spans: SpanRecord[];
  /** Spans dropped because they cannot be used (bad ids); reported as partial success. */
  rejectedSpans: number;
  /** The first rejection's reason with its position, empty when nothing was rejected. */
  rejectMessage: string;
  /** Spans whose attributes were cut by the caps (flagged `spanledger.truncated_attributes`). */
  truncatedSpans: number;
}

/** Caps on what one span may carry; past them values are truncated and extra attributes dropped, never the span. */
export interface ReaderLimits {
  maxAttributeValueBytes: number;
  maxAttributesPerSpan: number;
}

/** The caps used when none are given. */
export const DEFAULT_READER_LIMITS: ReaderLimits = Object.freeze({ maxAttributeValueBytes: 64 * 1024, maxAttributesPerSpan: 512 });

/** The attribute a span gets when the caps cut it: how many attributes were truncated or dropped. */
export const TRUNCATED_ATTRIBUTE = 'spanledger.truncated_attributes';

/**
 * Applies the caps to a span's attributes in place; returns true if it cut anything.
 * Lengths are counted in UTF-16 units, a cheap stand-in for bytes on the hot path.
 */
export function capAttributes(attrs: Record<string, string>, limits: ReaderLimits): boolean {
  let cut = 0;
  let n = 0;
  for (const k in attrs) {
    n++;
    if (n > limits.maxAttributesPerSpan) {
      delete attrs[k];
      cut++;
      continue;
    }
    const v = attrs[k]!;
    if (v.length > limits.maxAttributeValueBytes) {
      attrs[k] = v.slice(0, limits.maxAttributeValueBytes);
      cut++;
    }
  }
  if (cut > 0) attrs[TRUNCATED_ATTRIBUTE] = String(cut);
  return cut > 0;
}

/** Collects rejections while decoding, keeping the first reason (the spec wants one message). */
export class Rejections {
  count = 0;
  first = '';
  add(where: string, why: string): void {
    if (this.count === 0) this.first = `${where}: ${why}`;
    this.count++;
  }
  message(): string {
    if (this.count === 0) return '';
    return this.count === 1 ? `1 span rejected: ${this.first}` : `${this.count} spans rejected; first: ${this.first}`;
  }
}

/**
 * Deepest nesting of array and key-value-list attribute values either reader accepts;
 * deeper values are refused as invalid_argument (400) instead of exhausting the stack.
 */
export const MAX_VALUE_DEPTH = 64;
