import type { PeriodSplit } from './period-split';

/** The grouping keys of `rollup_daily_prices`, after `day`. */
export const PRICE_KEYS = 'provider, model, price_version, pricing_status, unallocated, unallocated_reason';
/** Its measures, in table order. */
export const PRICE_MEASURES = 'llm_calls, duplicates, failed_calls, cost_nano_usd';

/**
 * The rows of `rollup_daily_prices` computed from the resolved calls of `[{fromParam}, {toParam})`
 * (names of String parameters): `day`, the keys and the measures, per day and grouping.
 */
export function priceRowsFromCalls(db: string, fromParam: string, toParam: string): string {
  return `SELECT toDate(timestamp) AS day, provider, model_key AS model, price_version, pricing_status, toUInt8(tenant = '') AS unallocated,
      unallocated_reason, countIf(NOT is_duplicate) AS llm_calls, countIf(is_duplicate) AS duplicates,
      countIf(is_failed AND NOT is_duplicate) AS failed_calls, sum(billed_nano_usd) AS cost_nano_usd
    FROM ${db}.llm_calls_resolved(from = {${fromParam}:String}, to = {${toParam}:String})
    GROUP BY day, ${PRICE_KEYS}`;
}

/**
 * The same rows for a split period: the rollup's for its whole days, the calls' for its
 * parts; a grouping may come twice (a whole day and a part never overlap), so readers sum.
 * Returns the SQL and its parameters (`pd0`, `pd1`, `pf0`, `pt0`, ...).
 */
export function priceRowsOfPeriod(db: string, split: PeriodSplit): { sql: string; params: Record<string, string> } {
  const params: Record<string, string> = { pd0: split.firstDay, pd1: split.endDay };
  const selects = [`SELECT day, ${PRICE_KEYS}, ${PRICE_MEASURES} FROM ${db}.rollup_daily_prices FINAL WHERE day >= {pd0:Date} AND day < {pd1:Date}`];
  split.parts.forEach((part, i) => {
    params[`pf${i}`] = part.from;
    params[`pt${i}`] = part.to;
    selects.push(`SELECT day, ${PRICE_KEYS}, ${PRICE_MEASURES} FROM (${priceRowsFromCalls(db, `pf${i}`, `pt${i}`)})`);
  });
  return { sql: selects.join('\n    UNION ALL\n    '), params };
}
