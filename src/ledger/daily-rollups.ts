import type { ClickHouseClient } from '@clickhouse/client';
import { PRICE_KEYS, PRICE_MEASURES, priceRowsFromCalls } from './price-rollup';
import { SESSION_MEASURES, sessionRowsFromCalls, withTraceWorkflow } from './session-rollup';

// The measures of `daily_costs` the rollup keeps, in table order after the grouping keys.
const KEYS = 'tenant, team, app, feature, environment, provider, model';
const MEASURES = `llm_calls, duplicates, retries, failed_calls, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
  reasoning_tokens, cost_nano_usd, list_cost_nano_usd, failed_cost_nano_usd, retry_cost_nano_usd, unpriced_calls, missing_usage_calls,
  failed_missing_usage_calls, no_price_calls, unallocated_calls, unallocated_cost_nano_usd, with_session_calls, ownership_conflicts, first_call_at, last_call_end`;

/**
 * Bumped when the rollups gain measures or tables, or the duplicate and retry rules change:
 * the mark resolver then re-resolves every trace and rebuilds every day once.
 * 4: of two same-side reports of one call, the more detailed one is billed.
 * 5: a call that names no session belongs to its trace's (the session rollup).
 * 6: and a call that names no user, its trace's user (the user rollup).
 */
export const ROLLUP_SCHEMA = 6;

/** The longest run of days one rebuild statement reads, to bound its memory and time. */
const MAX_RUN_DAYS = 31;

const DAY_MS = 86_400_000;

/** Days (`YYYY-MM-DD`) grouped into runs of consecutive days, each `[first, last]` and at most `maxDays` long. */
export function dayRuns(days: readonly string[], maxDays = MAX_RUN_DAYS): [string, string][] {
  const sorted = [...new Set(days)].sort();
  const runs: [string, string][] = [];
  let start: string | undefined;
  let prevMs = 0;
  let length = 0;
  for (const d of sorted) {
    const ms = Date.parse(`${d}T00:00:00Z`);
    if (start !== undefined && ms === prevMs + DAY_MS && length < maxDays) {
      runs[runs.length - 1]![1] = d;
      length++;
    } else {
      start = d;
      runs.push([d, d]);
      length = 1;
    }
    prevMs = ms;
  }
  return runs;
}

// Each rollup and its grouping keys after `day`.
const ZEROED = [
  ['rollup_daily_costs', KEYS], ['rollup_daily_users', 'user_id'], ['rollup_daily_routes', 'route, service'],
  ['rollup_daily_prices', PRICE_KEYS], ['rollup_daily_sessions', 'session_id'],
] as const;

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/**
 * Rewrites the daily rollups (`rollup_daily_costs`, `rollup_daily_users`,
 * `rollup_daily_routes`, `rollup_daily_prices`, `rollup_daily_sessions`) of `days` under
 * `build`, from the marked views, so they equal what `daily_costs`, `session_costs` and the
 * resolved calls give for those days. Groupings the days no longer have get a zero row under
 * the same build. Safe to repeat; readers use FINAL, and see each grouping either before or
 * after the rebuild.
 */
export async function rebuildDailyRollups(client: ClickHouseClient, db: string, days: readonly string[], build: bigint): Promise<void> {
  for (const [first, last] of dayRuns(days)) {
    const query_params = { from: `${first} 00:00:00`, to: `${nextDay(last)} 00:00:00`, first, last, build: build.toString() };
    const run = async (query: string) => client.command({ query, query_params });
    await run(`INSERT INTO ${db}.rollup_daily_costs (day, build, ${KEYS}, ${MEASURES})
      SELECT day, {build:UInt64}, ${KEYS}, ${MEASURES} FROM ${db}.daily_costs(from = {from:String}, to = {to:String})`);
    await run(`INSERT INTO ${db}.rollup_daily_users (day, build, user_id, llm_calls, tokens, cost_nano_usd)
      SELECT toDate(timestamp) AS day, {build:UInt64}, user_id, countIf(NOT is_duplicate),
        sumIf(ifNull(input_tokens, 0) + ifNull(output_tokens, 0), NOT is_duplicate), sum(billed_nano_usd)
      FROM (${withTraceWorkflow(db, `SELECT * FROM ${db}.llm_calls_resolved(from = {from:String}, to = {to:String})`, '{from:DateTime64(9)}', '{to:DateTime64(9)}')})
      GROUP BY day, user_id`);
    // A trace's route is its root span's name; the root may start up to an hour outside the days.
    await run(`INSERT INTO ${db}.rollup_daily_routes (day, build, route, service, traces, cost_nano_usd)
      SELECT day, {build:UInt64}, if(root_name = '', '(no root span)', root_name) AS route, root_service AS service,
        uniqExactState(trace_id), sum(billed)
      FROM (
        SELECT toDate(timestamp) AS day, trace_id, sum(billed_nano_usd) AS billed
        FROM ${db}.llm_calls_resolved(from = {from:String}, to = {to:String})
        GROUP BY day, trace_id
      ) AS c
      LEFT JOIN (
        SELECT trace_id, argMin(name, timestamp) AS root_name, argMin(service_name, timestamp) AS root_service
        FROM ${db}.spans FINAL
        WHERE parent_span_id = '' AND timestamp >= {from:DateTime64(9)} - INTERVAL 1 HOUR AND timestamp < {to:DateTime64(9)} + INTERVAL 1 HOUR
        GROUP BY trace_id
      ) AS r USING (trace_id)
      GROUP BY day, route, service`);
    await run(`INSERT INTO ${db}.rollup_daily_prices (day, build, ${PRICE_KEYS}, ${PRICE_MEASURES})
      SELECT day, {build:UInt64}, ${PRICE_KEYS}, ${PRICE_MEASURES} FROM (${priceRowsFromCalls(db, 'from', 'to')})`);
    await run(`INSERT INTO ${db}.rollup_daily_sessions (day, build, session_id, ${SESSION_MEASURES})
      SELECT day, {build:UInt64}, session_id, ${SESSION_MEASURES} FROM (${sessionRowsFromCalls(db, 'from', 'to')})`);
    // Zero rows for groupings the rebuild did not write again (their newest build is older).
    for (const [table, keys] of ZEROED) {
      await run(`INSERT INTO ${db}.${table} (day, build, ${keys})
        SELECT day, {build:UInt64}, ${keys} FROM ${db}.${table} FINAL
        WHERE day >= {first:Date} AND day <= {last:Date} AND build < {build:UInt64}`);
    }
  }
}
