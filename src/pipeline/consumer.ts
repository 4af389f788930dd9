import type { ExportContext } from './sender';
import type { SpanRecord } from './span-record';

/** Spans a consumer refused one by one (partial success), with the first refusal's reason. */
export interface ConsumeResult {
  rejectedSpans: number;
  /** Names the span and why, e.g. a token count beyond 2^53-1, or storage's refusal. */
  errorMessage: string;
  /** How many were refused for each reason (the refused-spans counter's label: `token_count_out_of_range`, `storage_refused`). */
  byReason: Readonly<Record<string, number>>;
}

/**
 * The one consumer contract between stages: take a batch of decoded spans and resolve
 * once it is durably handled (or reject with a PermanentError / RetryableError). It may
 * resolve with the spans it refused one by one, which were not stored (the rest were).
 * The callee owns `spans` after the call; the caller must not mutate it. `context` says
 * who sent them.
 */
export type ConsumeSpans = (spans: SpanRecord[], context: ExportContext) => Promise<ConsumeResult | undefined>;

/**
 * Spans storage refused for good while the rest of their export was stored (the ledger
 * writer's answer; the consumer turns it into a ConsumeResult).
 */
export interface RefusedSpans {
  spans: ReadonlySet<SpanRecord>;
  /** The first refusal's reason, as storage gave it. */
  message: string;
}
