import type { CallCost, LlmCall } from '../pipeline';
import type { PriceBook } from './price-book';
import { priceCall, type Billing, type PriceQuery } from './price-call';
import { providerReportedNanoUsd } from './provider-cost';

/** Sets `cost` on each call. */
export type PriceCalls = (calls: readonly LlmCall[]) => void;

/** Outcome counts of one pricing pass, for metrics. */
export interface PricingTelemetry {
  priced(status: CallCost['status'], n: number): void;
}

/**
 * The pricing stage: builds the pricer over a price book, or a source of the book in force
 * (read once per batch, so a reload applies to the next export). Each call is priced by
 * `priceCall` from its query (`callPriceQuery`) and gets its `cost`.
 */
export function createPricer(books: { current(): PriceBook } | PriceBook, billing: Billing, telemetry?: PricingTelemetry): PriceCalls {
  return (calls) => {
    const book = 'current' in books ? books.current() : books;
    const tally = new Map<CallCost['status'], number>();
    for (const call of calls) {
      call.cost = priceCall(book, callPriceQuery(call, billing));
      tally.set(call.cost.status, (tally.get(call.cost.status) ?? 0) + 1);
    }
    if (telemetry) for (const [status, n] of tally) telemetry.priced(status, n);
  };
}

/** What prices a normalized call: its models, tier, start (to the millisecond), usage and reported cost. */
export function callPriceQuery(call: LlmCall, billing: Billing): PriceQuery {
  return {
    provider: call.provider,
    requestModel: call.requestModel,
    responseModel: call.responseModel,
    serviceTier: call.serviceTier,
    atMs: startMs(call.span.startTimeUnixNano),
    // The call carries its usage fields under the Usage names (the finer ones included).
    usage: call,
    reportedNanoUsd: providerReportedNanoUsd(call.span.attributes),
    billing,
  };
}

/** Milliseconds of a nanosecond decimal string, without a bigint. */
function startMs(nanos: string): number {
  return nanos.length > 6 ? Number(nanos.slice(0, -6)) : 0;
}
