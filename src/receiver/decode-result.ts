import type { SpanRecord } from '../pipeline';
import type { TimeWindow } from './time-window';

/** What a codec made of one export request: the usable spans and the refused ones. */
export interface DecodeResult {
  spans: SpanRecord[];
  /** Spans dropped because they cannot be used (bad ids, times outside the window); reported as partial success. */
  rejectedSpans: number;
  /** The rejected spans by reason (`invalid_span`, `too_old`, `in_future`), for the counters. */
  rejectedByReason: Record<string, number>;
  /** The first rejection's reason with its position, empty when nothing was rejected. */
  rejectMessage: string;
  /** Spans whose attributes were cut by the caps (flagged `spanledger.truncated_attributes`). */
  truncatedSpans: number;
}

/**
 * Caps on what one span and its resource may carry; past them values and names are
 * truncated and extra attributes, events and links dropped, never the span. Lengths are
 * counted in UTF-16 units, a cheap stand-in for bytes on the hot path.
 */
export interface ReaderLimits {
  maxAttributeValueBytes: number;
  maxAttributesPerSpan: number;
  /** Attribute keys (span, event, link and resource) longer than this are cut. */
  maxAttributeKeyBytes: number;
  /** Span and event names longer than this are cut. */
  maxNameBytes: number;
  maxEventsPerSpan: number;
  maxLinksPerSpan: number;
  /** Attributes of one event or link past this count are dropped. */
  maxAttributesPerEvent: number;
  /** Resource attributes are copied into every row of their spans, so they get tighter caps. */
  maxResourceAttributes: number;
  maxResourceAttributeValueBytes: number;
  /** Spans starting before or ending after this window are refused one by one; no window when absent. */
  window?: TimeWindow;
}

/** The caps used when none are given (the receiver config's defaults). */
export const DEFAULT_READER_LIMITS: ReaderLimits = Object.freeze({
  maxAttributeValueBytes: 64 * 1024,
  maxAttributesPerSpan: 512,
  maxAttributeKeyBytes: 256,
  maxNameBytes: 1024,
  maxEventsPerSpan: 128,
  maxLinksPerSpan: 128,
  maxAttributesPerEvent: 128,
  maxResourceAttributes: 128,
  maxResourceAttributeValueBytes: 4096,
});

/**
 * The attribute a span (or resource) gets when the caps cut it: how many values, keys,
 * names, attributes, events and links were truncated or dropped.
 */
export const TRUNCATED_ATTRIBUTE = 'spanledger.truncated_attributes';

/** Collects rejections while decoding, keeping the first reason (the spec wants one message) and a count per reason. */
export class Rejections {
  count = 0;
  first = '';
  readonly byReason: Record<string, number> = {};
  add(where: string, why: string, reason = 'invalid_span'): void {
    if (this.count === 0) this.first = `${where}: ${why}`;
    this.count++;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + 1;
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
