import type { NormalizedBatch, OwnedBatch, OwnedCall, Stage } from '../pipeline';
import type { ResolveOwners } from './resolve';

/** What the ownership stage reports once per export, for metrics. */
export interface OwnershipTelemetry {
  /** The export's resolved calls (told only when there are some). */
  owned(calls: readonly OwnedCall[]): void;
}

/**
 * The second stage: sets every call's owner by `resolveOwners` (the registry in force, the
 * export's sender), in place, and hands the same calls on as owned ones.
 */
export function createOwnershipStage(resolveOwners: ResolveOwners, telemetry?: OwnershipTelemetry): Stage<NormalizedBatch, OwnedBatch> {
  return {
    name: 'ownership',
    process(batch, context) {
      if (batch.calls.length === 0) return batch as OwnedBatch;
      resolveOwners(batch.calls, context);
      // Every call has its owner now (set in place: no copy per call).
      const calls = batch.calls as readonly OwnedCall[];
      telemetry?.owned(calls);
      return { spans: batch.spans, calls, unmapped: batch.unmapped, refused: batch.refused };
    },
  };
}
