import type { PeriodSplit } from './period-split';

/** The summed measures of `rollup_daily_sessions`, in table order: the drill-down totals. */
export const SESSION_SUMS = [
  'llm_calls', 'duplicates', 'retries', 'failed_calls', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens',
  'reasoning_tokens', 'cost_nano_usd', 'failed_cost_nano_usd', 'retry_cost_nano_usd', 'unpriced_calls', 'unallocated_calls', 'unallocated_cost_nano_usd',
] as const;
/** Its aggregate states: the trace set, and the first call's team and feature. */
export const SESSION_STATES = ['traces', 'first_team', 'first_feature'] as const;
/** Every measure column, sums then states. */
export const SESSION_MEASURES = [...SESSION_SUMS, ...SESSION_STATES].join(', ');

/**
 * `source`'s calls (a subquery of resolved calls between `fromExpr` and `toExpr`, two
 * DateTime64 expressions) with the session and the user they belong to as `session_id` and
 * `user_id`: their own, or, for a call that names none, the one the other calls of its
 * trace name. A gateway's report of a call carries neither; when it is the one billed (the
 * SDK's report of the same call is then the duplicate), the session and the user still get
 * the call's cost, and a session costs what its traces cost. A trace whose calls name two
 * sessions (or users) gives its unnamed calls to one of them.
 */
export function withTraceWorkflow(db: string, source: string, fromExpr: string, toExpr: string): string {
  return `SELECT c.* REPLACE (if(c.session_id != '', c.session_id, t.trace_session) AS session_id, if(c.user_id != '', c.user_id, t.trace_user) AS user_id)
    FROM (${source}) AS c
    LEFT JOIN (
      SELECT trace_id, anyIf(session_id, session_id != '') AS trace_session, anyIf(user_id, user_id != '') AS trace_user FROM ${db}.llm_calls
      WHERE (session_id != '' OR user_id != '') AND timestamp >= ${fromExpr} - INTERVAL 1 HOUR AND timestamp < ${toExpr} + INTERVAL 1 HOUR
      GROUP BY trace_id
    ) AS t ON t.trace_id = c.trace_id`;
}

/**
 * The rows of `rollup_daily_sessions` computed from the resolved calls of a session in
 * `[{fromParam}, {toParam})` (names of String parameters) that `where` selects: `day`,
 * `session_id` and the measures, per day and session. The figures are `session_costs`' own.
 */
export function sessionRowsFromCalls(db: string, fromParam: string, toParam: string, where = '1'): string {
  const kept = (expr: string) => `sumIf(ifNull(${expr}, 0), NOT is_duplicate) AS ${expr}`;
  return `SELECT toDate(timestamp) AS day, session_id,
      countIf(NOT is_duplicate) AS llm_calls, countIf(is_duplicate) AS duplicates,
      countIf(is_retry AND NOT is_duplicate) AS retries, countIf(is_failed AND NOT is_duplicate) AS failed_calls,
      ${['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens'].map(kept).join(', ')},
      sum(billed_nano_usd) AS cost_nano_usd, sumIf(billed_nano_usd, is_failed) AS failed_cost_nano_usd,
      sumIf(billed_nano_usd, is_retry) AS retry_cost_nano_usd,
      countIf(pricing_status LIKE 'unpriced%' AND NOT is_duplicate) AS unpriced_calls,
      countIf(tenant = '' AND NOT is_duplicate) AS unallocated_calls, sumIf(billed_nano_usd, tenant = '') AS unallocated_cost_nano_usd,
      uniqExactState(trace_id) AS traces,
      argMinState(CAST(team, 'String'), timestamp) AS first_team, argMinState(CAST(feature, 'String'), timestamp) AS first_feature
    FROM (${withTraceWorkflow(db, `SELECT * FROM ${db}.llm_calls_resolved(from = {${fromParam}:String}, to = {${toParam}:String})`, `toDateTime64({${fromParam}:String}, 9)`, `toDateTime64({${toParam}:String}, 9)`)})
    WHERE session_id != '' AND ${where}
    GROUP BY day, session_id`;
}

/**
 * Per session of a split period (its whole days from the rollup, its parts from the calls)
 * that `where` selects (a condition on `session_id`): the summed measures under their own
 * names, `traces` (a count), `session_team` and `session_feature` (its first call's), as
 * `session_costs` gives them. Returns the SQL and its parameters (`sd0`, `sd1`, `sf0`, `st0`, ...).
 */
export function sessionsOfPeriod(db: string, split: PeriodSplit, where = '1'): { sql: string; params: Record<string, string> } {
  const params: Record<string, string> = { sd0: split.firstDay, sd1: split.endDay };
  const selects = [`SELECT session_id, ${SESSION_MEASURES} FROM ${db}.rollup_daily_sessions FINAL WHERE day >= {sd0:Date} AND day < {sd1:Date} AND ${where}`];
  split.parts.forEach((part, i) => {
    params[`sf${i}`] = part.from;
    params[`st${i}`] = part.to;
    selects.push(`SELECT session_id, ${SESSION_MEASURES} FROM (${sessionRowsFromCalls(db, `sf${i}`, `st${i}`, where)})`);
  });
  // Sums under new names first, then the outer select gives them back their own: an alias
  // equal to the column it sums would make ClickHouse nest the aggregate.
  const sums = SESSION_SUMS.map((c) => `sum(s.${c}) AS sum_${c}`).join(', ');
  const sql = `SELECT session_id, ${SESSION_SUMS.map((c) => `sum_${c} AS ${c}`).join(', ')}, n_traces AS traces, session_team, session_feature
    FROM (
      SELECT s.session_id AS session_id, ${sums}, uniqExactMerge(s.traces) AS n_traces,
        argMinMerge(s.first_team) AS session_team, argMinMerge(s.first_feature) AS session_feature
      FROM (${selects.join('\n      UNION ALL\n      ')}) AS s
      GROUP BY session_id
      HAVING sum_llm_calls + sum_duplicates > 0
    )`;
  return { sql, params };
}
