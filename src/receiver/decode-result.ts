import type { SpanRecord } from '../pipeline';

/** What a codec made of one export request: the usable spans and the refused ones. */
export interface DecodeResult {
  spans: SpanRecord[];
  /** Spans dropped because they cannot be used (bad ids); reported as partial success. */
  rejectedSpans: number;
  /** The first rejection's reason with its position, empty when nothing was rejected. */
  rejectMessage: string;
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
