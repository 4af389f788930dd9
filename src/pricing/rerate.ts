import { randomUUID } from 'node:crypto';
import { formatNanoUsd, type Attributes } from '../pipeline';
import type { Usage } from './compute-cost';
import type { PriceBook } from './price-book';
import { priceCall, type Billing } from './price-call';
import { providerReportedNanoUsd } from './provider-cost';

/** A stored call as re-rating reads it: what priced it at ingest, and what it is billed now. */
export interface StoredPricedCall {
  provider: string;
  requestModel: string;
  responseModel: string;
  serviceTier: string;
  /** The call's start, milliseconds since the epoch. */
  startMs: number;
  /** Usage as ingested: the token columns and the finer counts of `usage_details`. */
  usage: Usage;
  /** The call row's attributes (where a sender-reported cost is read). */
  attributes: Attributes;
  /** Billed cost as ingested, null when it was not priced. */
  costNanoUsd: bigint | null;
  /** Sum of earlier adjustments to this call. */
  adjustedNanoUsd: bigint;
}

/** One adjustment of a call; the original ledger row is never touched. */
export interface CostAdjustment<C> {
  runId: string;
  call: C;
  repricedNanoUsd: bigint;
  deltaNanoUsd: bigint;
  repricedPriceVersion: string;
  reason: string;
}

/**
 * What re-rating needs from the ledger (`createRepricingStore` in `src/ledger/`): the calls
 * that started in [fromMs, toMs), each once, streamed in bounded batches, and a sink for
 * adjustment rows. `C` is the ledger's own row, handed back with its adjustment.
 */
export interface RerateLedger<C extends StoredPricedCall> {
  storedCalls(fromMs: number, toMs: number): AsyncIterable<readonly C[]>;
  writeAdjustments(rows: readonly CostAdjustment<C>[]): Promise<void>;
}

/** What a re-rating run did. Money as exact decimal strings. */
export interface RerateSummary {
  runId: string;
  from: string;
  to: string;
  calls: number;
  adjusted: number;
  /** Calls the current price book cannot price; left as they were. */
  unpriced: number;
  deltaNanoUsd: string;
  deltaUsd: string;
}

/**
 * Re-rates the calls that started in [fromMs, toMs) under `book` and writes one adjustment
 * per call whose billed cost changes, against its cost plus earlier adjustments (so running
 * it again adds nothing). Each call is priced by `priceCall` from what was stored of it;
 * a call the book cannot price is counted and left as it was. Reads and writes one batch at
 * a time, so memory is bounded by the ledger's batch, not by the period.
 */
export async function rerate<C extends StoredPricedCall>(
  ledger: RerateLedger<C>,
  book: PriceBook,
  billing: Billing,
  period: { fromMs: number; toMs: number; reason: string },
): Promise<RerateSummary> {
  const runId = randomUUID();
  let calls = 0;
  let adjusted = 0;
  let unpriced = 0;
  let delta = 0n;
  for await (const batch of ledger.storedCalls(period.fromMs, period.toMs)) {
    const rows: CostAdjustment<C>[] = [];
    for (const call of batch) {
      calls++;
      const cost = priceCall(book, {
        provider: call.provider,
        requestModel: call.requestModel,
        responseModel: call.responseModel,
        serviceTier: call.serviceTier,
        atMs: call.startMs,
        usage: call.usage,
        reportedNanoUsd: providerReportedNanoUsd(call.attributes),
        billing,
      });
      const repriced = cost.billedNanoUsd;
      if (repriced === null) {
        unpriced++;
        continue;
      }
      const d = repriced - (call.costNanoUsd ?? 0n) - call.adjustedNanoUsd;
      if (d === 0n) continue;
      rows.push({ runId, call, repricedNanoUsd: repriced, deltaNanoUsd: d, repricedPriceVersion: cost.priceVersion, reason: period.reason });
      adjusted++;
      delta += d;
    }
    if (rows.length > 0) await ledger.writeAdjustments(rows);
  }
  return {
    runId,
    from: new Date(period.fromMs).toISOString(),
    to: new Date(period.toMs).toISOString(),
    calls,
    adjusted,
    unpriced,
    deltaNanoUsd: delta.toString(),
    deltaUsd: formatNanoUsd(delta),
  };
}
