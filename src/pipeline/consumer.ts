import type { ExportContext } from './sender';
import type { SpanRecord } from './span-record';

/** Spans a consumer refused one by one (partial success), with the first refusal's reason. */
export interface ConsumeResult {
  rejectedSpans: number;
  /** Names the span and the field, e.g. a token count beyond 2^53-1. */
  errorMessage: string;
}

/**
 * The one consumer contract between stages: take a batch of decoded spans and resolve
 * once it is durably handled (or reject with a PermanentError / RetryableError). It may
 * resolve with the spans it refused one by one, which were not stored.
 * The callee owns `spans` after the call; the caller must not mutate it. `context` says
 * who sent them.
 */
export type ConsumeSpans = (spans: SpanRecord[], context: ExportContext) => Promise<ConsumeResult | void>;
