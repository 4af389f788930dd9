import type { PricedBatch, RefusedSpan } from './call-batch';
import type { ConsumeResult, RefusedSpans } from './consumer';
import type { Consume } from './stage';

/**
 * The ledger write at the end of the chain: resolves once the batch is stored (undefined) or
 * with the spans storage refused for good while the rest was stored; rejects as the ledger
 * writer does. Wrappers (the policy's `guardWrites`) keep this shape.
 */
export type WriteCalls = (batch: PricedBatch) => Promise<RefusedSpans | undefined>;

/**
 * The chain's last consumer: writes the batch and tells the receiver which spans were
 * refused one by one, at normalization (a token count it cannot read exactly) or by
 * storage (rows refused for good).
 */
export function writeAll(write: WriteCalls): Consume<PricedBatch> {
  return async (batch) => refusals(batch.refused, await write(batch));
}

function refusals(normalized: readonly RefusedSpan[], storage: RefusedSpans | undefined): ConsumeResult | undefined {
  const byStorage = storage?.spans.size ?? 0;
  if (normalized.length === 0 && byStorage === 0) return undefined;
  const byReason: Record<string, number> = {};
  if (normalized.length > 0) byReason.token_count_out_of_range = normalized.length;
  if (byStorage > 0) byReason.storage_refused = byStorage;
  const errorMessage = normalized.length > 0 ? normalized[0]!.reason : `refused by storage for good: ${storage!.message}`;
  return { rejectedSpans: normalized.length + byStorage, errorMessage, byReason };
}
