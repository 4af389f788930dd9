import type { PriceBook } from './price-book';
import { INT64_MAX_NANO, priceCall } from './price-call';

/** A call a gateway is about to make: the most input and output tokens it may use. */
export interface EstimateQuery {
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  atMs: number;
}

/**
 * The policy's estimate: the computed cost of the call at its standard-tier price in force at
 * `atMs` (the same `priceCall` that prices the ledger), or undefined when nothing prices the
 * model. A cost beyond Int64 is answered as Int64's maximum, the most anything can hold.
 */
export function createEstimator(books: { current(): PriceBook }): (q: EstimateQuery) => bigint | undefined {
  return ({ provider, model, inputTokens, outputTokens, atMs }) => {
    const cost = priceCall(books.current(), {
      provider,
      requestModel: model,
      responseModel: model,
      serviceTier: '',
      atMs,
      usage: { inputTokens, outputTokens, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null },
      reportedNanoUsd: null,
      billing: 'computed',
    });
    if (cost.status === 'unpriced_cost_overflow') return INT64_MAX_NANO;
    return cost.computedNanoUsd ?? undefined;
  };
}
