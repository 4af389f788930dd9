import type { CallCost, LlmCall } from '../pipeline';
import { computeCost } from './compute-cost';
import type { PricingConfig } from './config';
import type { PriceBook } from './price-book';
import { providerReportedNanoUsd } from './provider-cost';

/** Sets `cost` on each call. */
export type PriceCalls = (calls: readonly LlmCall[]) => void;

/** Outcome counts of one pricing pass, for metrics. */
export interface PricingTelemetry {
  priced(status: CallCost['status'], n: number): void;
}

/**
 * Builds the pricer over a price book, or a source of the book in force (read once per
 * batch, so a reload applies to the next export). It looks each call up at its start time (to
 * the millisecond; overrides matching the response or the request model first, then the list
 * price of the response model, else the request model, on the call's service tier), computes
 * the exact cost by component, and bills the computed or the provider-reported cost as
 * `billing` says. An unknown model or an unpriced tier is never priced at zero.
 */
export function createPricer(books: { current(): PriceBook } | PriceBook, billing: PricingConfig['billing'], telemetry?: PricingTelemetry): PriceCalls {
  return (calls) => {
    const book = 'current' in books ? books.current() : books;
    const tally = new Map<CallCost['status'], number>();
    for (const call of calls) {
      call.cost = priceOne(book, billing, call);
      tally.set(call.cost.status, (tally.get(call.cost.status) ?? 0) + 1);
    }
    if (telemetry) for (const [status, n] of tally) telemetry.priced(status, n);
  };
}

const INT64_MAX = 9_223_372_036_854_775_807n;

function priceOne(book: PriceBook, billing: PricingConfig['billing'], call: LlmCall): CallCost {
  const reported = providerReportedNanoUsd(call.span.attributes);
  const entry = book.lookup({
    provider: call.provider,
    models: call.responseModel === call.requestModel ? [call.requestModel] : [call.responseModel, call.requestModel],
    serviceTier: call.serviceTier,
    atMs: startMs(call.span.startTimeUnixNano),
  });
  // A tier nobody publishes a price for is never billed at the standard rates.
  const billable = entry !== undefined && entry.unknownTier === undefined;
  const computed = billable ? computeCost(call, entry.rates) : undefined;
  // A cost the ledger's Int64 column cannot hold is never stored wrapped (as a large
  // negative amount every report would sum): the call keeps no cost and says why.
  const overflow = computed !== undefined && computed.total > INT64_MAX;
  const parts = overflow ? undefined : computed;
  const computedStatus: CallCost['status'] =
    entry === undefined ? 'unpriced_unknown_model' : !billable ? 'unpriced_unknown_tier' : overflow ? 'unpriced_cost_overflow' : parts === undefined ? 'unpriced_missing_usage' : 'priced';
  // The list price (before negotiated overrides), for FOCUS ListCost: the catalog's own cost,
  // or the override's list entry priced the same way.
  const list = parts === undefined ? undefined : entry!.source === 'catalog' ? parts : entry!.list === undefined ? undefined : computeCost(call, entry!.list.rates);
  const listNanoUsd = list === undefined || list.total > INT64_MAX ? null : list.total;
  const useReported = reported !== null && (billing === 'provider_reported' || (billing === 'computed_or_reported' && parts === undefined));
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

/** Milliseconds of a nanosecond decimal string, without a bigint. */
function startMs(nanos: string): number {
  return nanos.length > 6 ? Number(nanos.slice(0, -6)) : 0;
}
