import type { ClickHouseClient } from '@clickhouse/client';
import { splitPeriod } from './period-split';
import { sessionsOfPeriod } from './session-rollup';

/** A stored span of a trace, as the drill-down shows it. */
export interface TraceSpan {
  span_id: string;
  parent_span_id: string;
  name: string;
  service: string;
  kind: string;
  start: string;
  duration_ms: number;
  status: string;
}

/** Totals of a trace, a session or one of its traces: counts and exact nano-USD as decimal strings. */
export type DrilldownTotals = Record<string, string | number>;

/**
 * The ledger's named queries for the drill-down API. Money is the billed cost of
 * `billed-cost.ts`; a trace's calls are resolved live (duplicate and retry rules applied
 * when asked), a session's from the resolver's marks and its daily session rollup (run it
 * first; a period's partial days are read from the calls).
 */
export interface DrilldownQueries {
  /** The trace's stored spans, oldest first. */
  traceSpans(traceId: string): Promise<TraceSpan[]>;
  /** The trace's calls, each with `billed` (nano-USD) and its duplicate and retry marks. */
  traceCalls(traceId: string): Promise<(Record<string, unknown> & { span_id: string; billed: string })[]>;
  /** The trace's totals (see `TOTAL_COLUMNS`). */
  traceTotals(traceId: string): Promise<DrilldownTotals | undefined>;
  /** A session's totals and trace count, for its calls that started in [from, to); undefined when it has none. */
  sessionTotals(sessionId: string, from: string, to: string): Promise<DrilldownTotals | undefined>;
  /** The session's traces with their totals and root span, oldest root first. */
  sessionTraces(sessionId: string, from: string, to: string): Promise<DrilldownTotals[]>;
  /**
   * The `limit` costliest sessions of calls that started in [from, to) (of one team when
   * `team` is not empty: the session's first call's team), with their totals, trace count,
   * team and feature; costliest first, then by id.
   */
  costliestSessions(from: string, to: string, team: string, limit: number): Promise<DrilldownTotals[]>;
}

/** The totals every drill-down level gives, as in the rollup views. */
export const TOTAL_COLUMNS = [
  'llm_calls', 'duplicates', 'retries', 'failed_calls', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens',
  'reasoning_tokens', 'cost_nano_usd', 'failed_cost_nano_usd', 'retry_cost_nano_usd', 'unpriced_calls', 'unallocated_calls', 'unallocated_cost_nano_usd',
] as const;
const totalsSelect = TOTAL_COLUMNS.map((c) => `toString(${c}) AS ${c}`).join(', ');

/** The same totals as the rollup views, over one alias of resolved calls. */
function rollupOf(alias: string): string {
  const c = (name: string) => `${alias}.${name}`;
  return `countIf(NOT ${c('is_duplicate')}) AS llm_calls, countIf(${c('is_duplicate')}) AS duplicates,
    countIf(${c('is_retry')} AND NOT ${c('is_duplicate')}) AS retries, countIf(${c('is_failed')} AND NOT ${c('is_duplicate')}) AS failed_calls,
    sumIf(ifNull(${c('input_tokens')}, 0), NOT ${c('is_duplicate')}) AS input_tokens, sumIf(ifNull(${c('output_tokens')}, 0), NOT ${c('is_duplicate')}) AS output_tokens,
    sumIf(ifNull(${c('cache_read_tokens')}, 0), NOT ${c('is_duplicate')}) AS cache_read_tokens, sumIf(ifNull(${c('cache_write_tokens')}, 0), NOT ${c('is_duplicate')}) AS cache_write_tokens,
    sumIf(ifNull(${c('reasoning_tokens')}, 0), NOT ${c('is_duplicate')}) AS reasoning_tokens, sum(${c('billed_nano_usd')}) AS cost_nano_usd,
    sumIf(${c('billed_nano_usd')}, ${c('is_failed')}) AS failed_cost_nano_usd, sumIf(${c('billed_nano_usd')}, ${c('is_retry')}) AS retry_cost_nano_usd,
    countIf(${c('pricing_status')} LIKE 'unpriced%' AND NOT ${c('is_duplicate')}) AS unpriced_calls,
    countIf(${c('tenant')} = '' AND NOT ${c('is_duplicate')}) AS unallocated_calls, sumIf(${c('billed_nano_usd')}, ${c('tenant')} = '') AS unallocated_cost_nano_usd`;
}

/** The drill-down queries over database `db`. */
export function createDrilldownQueries(client: ClickHouseClient, db: string): DrilldownQueries {
  const rows = async <T>(query: string, params: Record<string, unknown>) =>
    (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();
  return {
    traceSpans: (t) =>
      rows<TraceSpan>(
        `SELECT span_id, parent_span_id, name, service_name AS service, kind, toString(timestamp) AS start, duration_ms, status_code AS status
         FROM ${db}.spans FINAL WHERE trace_id = {t:String} ORDER BY timestamp`, { t }),
    traceCalls: (t) =>
      rows(
        `SELECT span_id, provider, operation, request_model, response_model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
           reasoning_tokens, toString(cost_nano_usd) AS cost_nano_usd, toString(adjustment_nano_usd) AS adjustment_nano_usd,
           toString(billed_nano_usd) AS billed, is_duplicate, duplicate_of, is_retry,
           is_failed, retry_attempt, tenant, team, feature, session_id, pricing_status, price_version, parent_span_id, service_name,
           toString(timestamp) AS start, latency_ms, status_code
         FROM ${db}.trace_calls_resolved(trace = {t:String})`, { t }),
    traceTotals: async (t) =>
      (await rows<DrilldownTotals>(
        `SELECT ${totalsSelect} FROM (SELECT ${rollupOf('t')} FROM ${db}.trace_calls_resolved(trace = {t:String}) AS t)`, { t }))[0],
    // Sessions are read from their daily rollup, and a period's partial days from the calls.
    sessionTotals: async (s, from, to) => {
      const q = sessionsOfPeriod(db, splitPeriod(from, to), 'session_id = {s:String}');
      return (await rows<DrilldownTotals>(`SELECT ${totalsSelect}, toString(traces) AS traces FROM (${q.sql})`, { ...q.params, s }))[0];
    },
    sessionTraces: (s, from, to) =>
      rows<DrilldownTotals>(
        `SELECT trace_id, root_name, root_service, toString(root_start) AS root_start, ${totalsSelect}
         FROM ${db}.trace_costs(from = {from:String}, to = {to:String})
         WHERE trace_id IN (SELECT trace_id FROM ${db}.llm_calls WHERE session_id = {s:String})
         ORDER BY root_start`, { s, from, to }),
    costliestSessions: (from, to, team, limit) => {
      const q = sessionsOfPeriod(db, splitPeriod(from, to));
      return rows<DrilldownTotals>(
        `SELECT session_id, session_team AS team, session_feature AS feature, toString(traces) AS traces, ${totalsSelect}
         FROM (SELECT *, cost_nano_usd AS rank_cost FROM (${q.sql}))
         WHERE {team:String} = '' OR session_team = {team:String}
         ORDER BY rank_cost DESC, session_id LIMIT {limit:UInt32}`, { ...q.params, team, limit });
    },
  };
}
