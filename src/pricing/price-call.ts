import type { CallCost } from '../pipeline';
import { computeCost, type Usage } from './compute-cost';
import type { PricingConfig } from './config';
import type { PriceBook } from './price-book';

/** Which cost is billed: ours, the provider-reported one, or ours with the reported one as fallback. */
export type Billing = PricingConfig['billing'];

/**
 * Everything a call's price depends on, and nothing else: whether it comes from a span being
 * ingested, a stored row being re-rated or a gateway's estimate.
 */
export interface PriceQuery {
  /** OTel provider name, '' when unknown. */
  provider: string;
  /** Model ids as normalized for pricing; '' when not reported. */
  requestModel: string;
  responseModel: string;
  /** Service tier the call ran on, '' when unknown (the standard price). */
  serviceTier: string;
  /** The call's start, milliseconds since the epoch: the instant whose prices apply. */
  atMs: number;
  /** Token counts by the OTel rule, with the finer classes (1-hour cache writes, audio, tools...). */
  usage: Usage;
  /** The cost the sender reported, nano-USD; null when it reported none. */
  reportedNanoUsd: bigint | null;
  billing: Billing;
}

/** The most nano-USD the ledger's Int64 cost columns hold. */
export const INT64_MAX_NANO = 9_223_372_036_854_775_807n;

/**
 * Prices one call: looks it up at `atMs` (overrides matching the response or the request
 * model first, then the list price of the response model, else the request model, on the
 * call's tier), computes the exact cost by component, and bills the computed or the reported
 * cost as `billing` says. An unknown model or an unpriced tier is never priced at zero; a cost
 * beyond Int64 (the ledger's column) is never returned wrapped: the call is then unpriced.
 * Pure: the same book and query give the same cost.
 */
export function priceCall(book: PriceBook, q: PriceQuery): CallCost {
  const entry = book.lookup({
    provider: q.provider,
    models: q.responseModel === q.requestModel ? [q.requestModel] : [q.responseModel, q.requestModel],
    serviceTier: q.serviceTier,
    atMs: q.atMs,
  });
  // A tier nobody publishes a price for is never billed at the standard rates.
  const billable = entry !== undefined && entry.unknownTier === undefined;
  const computed = billable ? computeCost(q.usage, entry.rates) : undefined;
  // A cost the ledger's Int64 column cannot hold is never stored wrapped (as a large
  // negative amount every report would sum): the call keeps no cost and says why.
  const overflow = computed !== undefined && computed.total > INT64_MAX_NANO;
  const parts = overflow ? undefined : computed;
  const computedStatus: CallCost['status'] =
    entry === undefined ? 'unpriced_unknown_model' : !billable ? 'unpriced_unknown_tier' : overflow ? 'unpriced_cost_overflow' : parts === undefined ? 'unpriced_missing_usage' : 'priced';
  // The list price (before negotiated overrides), for FOCUS ListCost: the catalog's own cost,
  // or the override's list entry priced the same way.
  const list = parts === undefined ? undefined : entry!.source === 'catalog' ? parts : entry!.list === undefined ? undefined : computeCost(q.usage, entry!.list.rates);
  const listNanoUsd = list === undefined || list.total > INT64_MAX_NANO ? null : list.total;
  const reported = q.reportedNanoUsd;
  const useReported = reported !== null && (q.billing === 'provider_reported' || (q.billing === 'computed_or_reported' && parts === undefined));
  return {
    status: useReported ? 'provider_reported' : computedStatus,
    billedNanoUsd: useReported ? reported : parts?.total ?? null,
    computedNanoUsd: parts?.total ?? null,
    inputNanoUsd: parts?.input ?? null,
    cacheReadNanoUsd: parts?.cacheRead ?? null,
    cacheWriteNanoUsd: parts?.cacheWrite ?? null,
    outputNanoUsd: parts?.output ?? null,
    reasoningNanoUsd: parts?.reasoning ?? null,
    listNanoUsd,
    ...(parts === undefined ? {} : { componentsNanoUsd: parts.components }),
    providerReportedNanoUsd: reported,
    priceSource: useReported ? 'provider' : entry?.source ?? '',
    priceVersion: entry?.version ?? '',
    currency: 'USD',
  };
}
