import type { ExportContext } from './sender';
import type { SpanRecord } from './span-record';

/**
 * Spans storage refused for good while the rest of their export was stored: the sender
 * hears them as OTLP partial success (`rejected_spans`, `error_message`).
 */
export interface RefusedSpans {
  spans: ReadonlySet<SpanRecord>;
  /** The first refusal's reason, as storage gave it. */
  message: string;
}

/**
 * The one consumer contract between stages: take a batch of decoded spans and resolve
 * once it is durably handled (or reject with a PermanentError / RetryableError). It
 * resolves with the spans refused for good when only some of them were (undefined when
 * all were taken). The callee owns `spans` after the call; the caller must not mutate it.
 * `context` says who sent them.
 */
export type ConsumeSpans = (spans: SpanRecord[], context: ExportContext) => Promise<RefusedSpans | undefined>;
