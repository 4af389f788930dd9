import { NO_PRICE } from './billed-cost';
import type { PeriodSplit } from './period-split';
import { priceRowsOfPeriod } from './price-rollup';
import { MODEL_FAMILY } from './workflow-views';

/** A DateTime64 literal moved by `seconds`. */
export const shiftSeconds = (at: string, seconds: number): string =>
  new Date(Date.parse(`${at.replace(' ', 'T')}Z`) + Math.round(seconds * 1000)).toISOString().replace('T', ' ').replace('Z', '');

/**
 * The ledger per day, provider and model family of `[from, to)` (see
 * `ReportQueries.ledgerByDay`): the daily figures from the price rollup (and the period's
 * partial days from the calls), `near_start` and `near_end` from the calls of two windows
 * around the edges only, `edge` seconds wide (one window when they would meet). The calls
 * read reach from `fromEdge` to `toEdge`, the period widened by the edge hours, so a day
 * outside the period with calls near its edge shows up, with no cost of its own.
 */
export function ledgerByDaySql(db: string, split: PeriodSplit, p: { from: string; to: string }, edge: number, fromEdge: string, toEdge: string) {
  const rows = priceRowsOfPeriod(db, split);
  // A call is near an edge when it is at most `edge` whole seconds from it: a second of
  // margin on the inner side keeps every such call in its window.
  const startEnd = shiftSeconds(p.from, edge + 1) < toEdge ? shiftSeconds(p.from, edge + 1) : toEdge;
  const endStart = shiftSeconds(p.to, -edge - 1) > fromEdge ? shiftSeconds(p.to, -edge - 1) : fromEdge;
  const windows = startEnd < endStart ? [[fromEdge, startEnd], [endStart, toEdge]] : [[fromEdge, toEdge]];
  const params: Record<string, string | number> = { ...rows.params, from: p.from, to: p.to, edge };
  const edgeCalls = windows.map(([a, b], i) => {
    params[`ef${i}`] = a!;
    params[`et${i}`] = b!;
    return `SELECT timestamp, provider, model_key, billed_nano_usd FROM ${db}.llm_calls_resolved(from = {ef${i}:String}, to = {et${i}:String})`;
  });
  const near = (bound: string) => `if(abs(dateDiff('second', timestamp, toDateTime64({${bound}:String}, 9))) <= {edge:UInt32}, billed_nano_usd, 0)`;
  const sql = `SELECT day, provider, model, toString(sum(d_cost)) AS cost, toString(sum(d_unpriced)) AS unpriced,
      toString(sum(d_failed_no_usage)) AS failed_no_usage, toString(sum(d_near_start)) AS near_start, toString(sum(d_near_end)) AS near_end
    FROM (
      SELECT toString(pr.day) AS day, pr.provider AS provider, ${MODEL_FAMILY('pr.model')} AS model, pr.cost_nano_usd AS d_cost,
        if(${NO_PRICE.replaceAll('pricing_status', 'pr.pricing_status')}, pr.llm_calls, 0) AS d_unpriced,
        if(pr.pricing_status = 'unpriced_missing_usage', pr.failed_calls, 0) AS d_failed_no_usage,
        toInt64(0) AS d_near_start, toInt64(0) AS d_near_end, pr.llm_calls + pr.duplicates AS d_calls
      FROM (${rows.sql}) AS pr
      UNION ALL
      SELECT toString(toDate(timestamp)) AS day, provider, ${MODEL_FAMILY('model_key')} AS model, toInt64(0), toUInt64(0), toUInt64(0),
        ${near('from')}, ${near('to')}, toUInt64(1)
      FROM (${edgeCalls.join(' UNION ALL ')})
    )
    GROUP BY day, provider, model
    HAVING sum(d_calls) > 0`;
  return { sql, params };
}
