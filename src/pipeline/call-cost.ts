/** How a call's cost was settled. */
export type PricingStatus =
  | 'priced'
  | 'unpriced_unknown_model'
  | 'unpriced_unknown_tier'
  | 'unpriced_missing_usage'
  | 'unpriced_cost_overflow'
  | 'provider_reported';

/**
 * The cost of one call in integer nano-USD (1e-9 USD). `billedNanoUsd` is what chargeback
 * counts; the computed cost and its components, and the provider-reported cost, stay
 * visible beside it. Null means "not known", never zero.
 */
export interface CallCost {
  status: PricingStatus;
  billedNanoUsd: bigint | null;
  computedNanoUsd: bigint | null;
  inputNanoUsd: bigint | null;
  cacheReadNanoUsd: bigint | null;
  cacheWriteNanoUsd: bigint | null;
  outputNanoUsd: bigint | null;
  reasoningNanoUsd: bigint | null;
  /**
   * The computed cost by billed class (`input`, `cache_write_1h`, `reasoning`, `web_search`,
   * `request_fee`, ...): the exact decomposition, summing to `computedNanoUsd`. Absent when
   * not computed.
   */
  componentsNanoUsd?: Readonly<Record<string, bigint>>;
  providerReportedNanoUsd: bigint | null;
  /**
   * The call at list price (catalog with its corrections, on the call's tier) before any
   * override: the FOCUS ListCost. Equal to the computed cost for catalog prices; null when the
   * call has no list price (a model only an override prices) or is not computed.
   */
  listNanoUsd?: bigint | null;
  /** 'catalog', 'override', or '' when not priced. */
  priceSource: string;
  /** Stable id of the price book entry used. */
  priceVersion: string;
  currency: string;
}
