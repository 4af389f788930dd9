import type { ExportContext } from './sender';
import type { SpanRecord } from './span-record';

/**
 * The one consumer contract between stages: take a batch of decoded spans and resolve
 * once it is durably handled (or reject with a PermanentError / RetryableError).
 * The callee owns `spans` after the call; the caller must not mutate it. `context` says
 * who sent them.
 */
export type ConsumeSpans = (spans: SpanRecord[], context: ExportContext) => Promise<void>;
