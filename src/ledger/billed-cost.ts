/**
 * The one definition of what a call is billed, used by every view, rollup and named query
 * of the ledger (and so by every report, the drill-down API, the policy's spend and the
 * dashboards):
 *
 *   billed_nano_usd = 0                                          when the call is a duplicate report
 *                   = ifNull(cost_nano_usd, 0) + adjustment_nano_usd   otherwise
 *
 * where `cost_nano_usd` is the cost the pricer stored at ingestion and `adjustment_nano_usd`
 * the sum of the call's re-rating rows in `cost_adjustments` (every run, each row once).
 * A duplicate (the same call reported by a gateway and an SDK) is billed once: its copy
 * counts zero, adjustments included, since re-rating rates every stored row.
 */
export const BILLED_NANO_USD = 'if(is_duplicate, 0, ifNull(cost_nano_usd, 0) + adjustment_nano_usd)';

/**
 * The re-rating adjustments per call of the calls `where` selects (a condition on
 * `cost_adjustments` columns), as `(adj_trace_id, adj_span_id, adjustment_nano_usd)`
 * (key names of their own, so a join never makes a call's columns ambiguous); a call
 * without adjustments gets 0 from a LEFT JOIN.
 */
export function adjustmentsSql(db: string, where: string): string {
  return `SELECT trace_id AS adj_trace_id, span_id AS adj_span_id, sum(delta_nano_usd) AS adjustment_nano_usd
    FROM ${db}.cost_adjustments FINAL WHERE ${where} GROUP BY adj_trace_id, adj_span_id`;
}

/**
 * A call the price book has no price for (its model, or its model's tier): what `prices
 * check` and the quality report's unpriced models list. Calls that reported no usage, or
 * whose cost did not fit, are unpriced for other reasons and never counted here.
 */
export const NO_PRICE = "(pricing_status LIKE 'unpriced%' AND pricing_status NOT IN ('unpriced_missing_usage', 'unpriced_cost_overflow'))";
