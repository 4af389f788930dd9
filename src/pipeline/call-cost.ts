/** How a call's cost was settled. */
export type PricingStatus = 'priced' | 'unpriced_unknown_model' | 'unpriced_missing_usage' | 'unpriced_cost_overflow' | 'provider_reported';

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
  providerReportedNanoUsd: bigint | null;
  /**
   * The catalog list price of the call before negotiated overrides, when the pricer knows it
   * (FOCUS `ListCost`); absent, the ledger takes the billed cost of a catalog-priced call.
   */
  listNanoUsd?: bigint | null;
  /** 'catalog', 'override', or '' when not priced. */
  priceSource: string;
  /** Stable id of the price book entry used. */
  priceVersion: string;
  currency: string;
}
