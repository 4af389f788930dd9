import type { NormalizedCall, OwnedCall, PricedCall } from './llm-call';
import type { SpanRecord } from './span-record';

/** A span refused whole at normalization: its reason names the span and the attribute. */
export interface RefusedSpan {
  span: SpanRecord;
  reason: string;
}

/**
 * One export on its way down the ingest chain, after normalization. Each stage hands the
 * next a batch of its own call type (`NormalizedBatch`, `OwnedBatch`, `PricedBatch`); the
 * spans, the unmapped flags and the refusals travel along unchanged.
 */
export interface CallBatch<C> {
  /** The export's spans to store (spans refused at normalization are not among them). */
  readonly spans: readonly SpanRecord[];
  /** The LLM calls found in `spans`, in order. */
  readonly calls: readonly C[];
  /** Spans that look like LLM calls no convention could read (flagged for data quality). */
  readonly unmapped: ReadonlySet<SpanRecord> | undefined;
  /** Spans refused one by one at normalization (not stored), in order. */
  readonly refused: readonly RefusedSpan[];
}

/** What the normalize stage hands on. */
export type NormalizedBatch = CallBatch<NormalizedCall>;
/** What the ownership stage hands on. */
export type OwnedBatch = CallBatch<OwnedCall>;
/** What the pricing stage hands on: what the ledger stores. */
export type PricedBatch = CallBatch<PricedCall>;
