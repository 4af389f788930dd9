import { connect, writeAll, type ConsumeSpans, type NormalizedBatch, type OwnedBatch, type PricedBatch, type SpanRecord, type Stage, type StageTelemetry, type WriteCalls } from '../pipeline';
import { guardWrites } from '../policy';
import type { PolicyEngine } from '../policy';

/** The parts of the ingest chain, each built by its own room. */
export interface IngestStages {
  normalize: Stage<readonly SpanRecord[], NormalizedBatch>;
  ownership: Stage<NormalizedBatch, OwnedBatch>;
  pricing: Stage<OwnedBatch, PricedBatch>;
  /** The policy, which joins by wrapping the ledger write. */
  policy: Pick<PolicyEngine, 'annotate' | 'observe'>;
  /** The ledger write (`writeCallsTo(writer)`). */
  ledger: WriteCalls;
  /** Counts and times every stage alike. */
  telemetry?: StageTelemetry;
}

/**
 * The one place the ingest order is written down:
 * receiver -> normalize -> ownership -> pricing -> (policy around the write) ledger.
 * Built back to front, as each stage only knows the consumer after it. The result is the
 * consumer the receivers' export core calls.
 */
export function buildIngestChain(s: IngestStages): ConsumeSpans {
  const ledger = writeAll(guardWrites(s.policy, s.ledger));
  const pricing = connect(s.pricing, ledger, s.telemetry);
  const ownership = connect(s.ownership, pricing, s.telemetry);
  return connect(s.normalize, ownership, s.telemetry);
}
