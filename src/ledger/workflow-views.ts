import type { ClickHouseClient } from '@clickhouse/client';
import { ddlFor } from './cluster-ddl';
import type { SchemaOptions } from './migrate';
import { adjustmentsSql, BILLED_NANO_USD, NO_PRICE } from './billed-cost';
import { withTraceWorkflow } from './session-rollup';

/** How duplicate reports of one call are settled. */
export interface WorkflowOptions {
  /** Which report of a call reported twice is billed: the gateway's or the SDK's. */
  duplicateWinner: 'gateway' | 'sdk';
  /**
   * A failed call followed by another with the same parent and model within this many seconds
   * is retried by it. "Same model": the same request model, or the same model family (the
   * model without a dated suffix), since a failed attempt often has only the request model
   * (`gpt-4o`) and its successful retry the dated response model (`gpt-4o-2024-08-06`).
   */
  retryWindowS: number;
}

// Every value of a call that the duplicate and retry rules compare, gathered per trace by a
// window over the trace (spans of a trace may arrive in any order and any batch, so the
// rules run when queried, never at ingestion).
const TRACE_CALLS = `groupArray(tuple(
    span_id, parent_span_id, model_key, ifNull(input_tokens, 0), ifNull(output_tokens, 0), response_id, sender_kind,
    is_failed, toUnixTimestamp64Nano(timestamp), toUnixTimestamp64Nano(end_timestamp), logical_parent, request_model, model_family,
    usage_detail
  )) OVER (PARTITION BY trace_id)`;

// How much of a call's usage its report breaks down: the cache and reasoning columns it
// reported, and each finer count (1-hour cache writes, audio, web searches, ...). Of two
// reports of one call from the same side, the more detailed one is billed.
const USAGE_DETAIL = `(cache_read_tokens IS NOT NULL) + (cache_write_tokens IS NOT NULL) + (reasoning_tokens IS NOT NULL) + length(usage_details)`;

/**
 * A model id without its dated version suffix (`gpt-4o-2024-08-06`, `claude-3-5-sonnet-20241022`,
 * `gemini-1.5-pro@001` become `gpt-4o`, `claude-3-5-sonnet`, `gemini-1.5-pro`), lowercased.
 */
export const MODEL_FAMILY = (col: string) => `replaceRegexpOne(lower(${col}), '(-\\\\d{4}-\\\\d{2}-\\\\d{2}|-\\\\d{8}|@.*)$', '')`;

/**
 * The resolved calls of the rows `where` selects, with duplicate and retry marks and the
 * billed cost (re-rating adjustments of the rows `adjustWhere` selects in `cost_adjustments`).
 */
function resolvedSql(db: string, where: string, adjustWhere: string, o: WorkflowOptions): string {
  // x.1 span, x.2 parent, x.3 model, x.4 input, x.5 output, x.6 response id, x.7 sender kind,
  // x.8 failed, x.9 start ns, x.10 end ns (SDKs stamp starts to the millisecond, hence the
  // 1 ms tolerance in the retry rule), x.11 logical parent (a call reported under another
  // call, like a gateway span under the SDK span, shares that call's parent), x.12 request
  // model, x.13 model family, x.14 usage detail.
  const partner = `arrayFirst(x -> x.1 != span_id AND (
      (response_id != '' AND x.6 = response_id)
      OR ((x.1 = parent_span_id OR x.2 = span_id) AND x.3 = model_key
          AND (x.4 = ifNull(input_tokens, 0) OR x.4 = 0 OR ifNull(input_tokens, 0) = 0)
          AND (x.5 = ifNull(output_tokens, 0) OR x.5 = 0 OR ifNull(output_tokens, 0) = 0))
    ), trace_calls)`;
  const winnerKind = o.duplicateWinner === 'gateway' ? 'gateway' : 'sdk';
  // This row loses to its partner when the partner is on the winning side and this row is
  // not; when both are on the same side, the less detailed report is the duplicate (an
  // instrumentation's span around the Anthropic SDK's own, which alone has the 1-hour cache
  // writes, must not bill the call at the 5-minute rate), and at equal detail the inner
  // (child) span.
  const sameSide = `((p.7 = 'gateway') = (sender_kind = 'gateway') AND (p.14 > usage_detail OR (p.14 = usage_detail AND p.1 = parent_span_id)))`;
  const loses =
    winnerKind === 'gateway'
      ? `(p.7 = 'gateway' AND sender_kind != 'gateway') OR ${sameSide}`
      : `(p.7 != 'gateway' AND sender_kind = 'gateway') OR ${sameSide}`;
  return `
    SELECT
      timestamp, end_timestamp, trace_id, span_id, parent_span_id, session_id, user_id, request_id, response_id, span_name,
      service_name, provider, operation, request_model, response_model, model_key, input_tokens, output_tokens,
      cache_read_tokens, cache_write_tokens, reasoning_tokens, status_code, error_type, http_status_code, is_failed,
      retry_attempt, latency_ms, tenant, team, app, feature, environment, cost_center, business_unit, ownership_source,
      unallocated_reason, sender_id, sender_kind, cost_nano_usd, computed_cost_nano_usd, list_cost_nano_usd, provider_reported_cost_nano_usd,
      pricing_status, price_version,
      if(p.1 != '' AND (${loses}), p.1, '') AS duplicate_of,
      duplicate_of != '' AS is_duplicate,
      retry_attempt > 0 OR arrayExists(x -> x.1 != span_id AND x.11 = logical_parent
        AND (x.3 = model_key OR (x.12 != '' AND x.12 = request_model) OR x.13 = model_family) AND x.8 = 1
        AND x.9 < toUnixTimestamp64Nano(timestamp) AND x.10 <= toUnixTimestamp64Nano(timestamp) + 1000000
        AND toUnixTimestamp64Nano(timestamp) - x.10 <= ${Math.round(o.retryWindowS)}000000000, trace_calls) AS is_retry,
      adjustment_nano_usd,
      ${BILLED_NANO_USD} AS billed_nano_usd
    FROM (
      SELECT *, ${partner} AS p
      FROM (
        SELECT *, ${TRACE_CALLS} AS trace_calls
        FROM (
          SELECT *, if(arrayExists(x -> x.1 = parent_span_id, pairs), arrayFirst(x -> x.1 = parent_span_id, pairs).2, parent_span_id) AS logical_parent
          FROM (
            SELECT *, model_key, ${MODEL_FAMILY('model_key')} AS model_family, ${USAGE_DETAIL} AS usage_detail,
              groupArray(tuple(span_id, parent_span_id)) OVER (PARTITION BY trace_id) AS pairs
            FROM ${db}.llm_calls FINAL
            WHERE ${where}
          )
        )
      )
    ) AS r
    LEFT JOIN (${adjustmentsSql(db, adjustWhere)}) AS a ON a.adj_trace_id = r.trace_id AND a.adj_span_id = r.span_id`;
}

// The columns rollups and reports read: naming them keeps the raw attribute JSON off the
// read path (selecting * read it for every call and made month reports several times slower).
const CALL_COLUMNS = `timestamp, end_timestamp, trace_id, span_id, parent_span_id, session_id, user_id, request_id, service_name, provider,
  operation, request_model, response_model, model_key, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
  status_code, error_type, http_status_code, is_failed, retry_attempt, latency_ms, tenant, team, app, feature, environment, cost_center,
  business_unit, ownership_source, unallocated_reason, sender_id, sender_kind, cost_nano_usd, computed_cost_nano_usd, list_cost_nano_usd,
  provider_reported_cost_nano_usd, pricing_status, price_version, ownership_conflict, writer_id, writer_epoch`;

/**
 * The period's calls with the marks the resolver stored: fast enough for month-long reports
 * (a sparse join instead of a window over every trace), exact once the resolver has run
 * over the traces touched since its watermark (reports run it first).
 */
function markedSql(db: string): string {
  return `
    SELECT c.*,
      m.duplicate_of AS duplicate_of, m.duplicate_of != '' AS is_duplicate, c.retry_attempt > 0 OR m.is_retry = 1 AS is_retry,
      a.adjustment_nano_usd AS adjustment_nano_usd,
      ${BILLED_NANO_USD} AS billed_nano_usd,
      -- FOCUS ListCost: the list cost kept at ingestion, else the billed cost.
      ifNull(c.list_cost_nano_usd, billed_nano_usd) AS list_or_billed_nano_usd
    FROM (SELECT ${CALL_COLUMNS} FROM ${db}.llm_calls FINAL WHERE ${IN_PERIOD}) AS c
    LEFT JOIN (
      SELECT trace_id AS m_trace_id, span_id AS m_span_id, duplicate_of, is_retry FROM ${db}.call_marks FINAL
      WHERE (duplicate_of != '' OR is_retry = 1) AND ${PERIOD}
    ) AS m ON m.m_trace_id = c.trace_id AND m.m_span_id = c.span_id
    LEFT JOIN (${adjustmentsSql(db, IN_PERIOD)}) AS a ON a.adj_trace_id = c.trace_id AND a.adj_span_id = c.span_id`;
}

const ROLLUP = `
  countIf(NOT is_duplicate) AS llm_calls,
  countIf(is_duplicate) AS duplicates,
  countIf(is_retry AND NOT is_duplicate) AS retries,
  countIf(is_failed AND NOT is_duplicate) AS failed_calls,
  sumIf(ifNull(input_tokens, 0), NOT is_duplicate) AS input_tokens,
  sumIf(ifNull(output_tokens, 0), NOT is_duplicate) AS output_tokens,
  sumIf(ifNull(cache_read_tokens, 0), NOT is_duplicate) AS cache_read_tokens,
  sumIf(ifNull(cache_write_tokens, 0), NOT is_duplicate) AS cache_write_tokens,
  sumIf(ifNull(reasoning_tokens, 0), NOT is_duplicate) AS reasoning_tokens,
  sum(billed_nano_usd) AS cost_nano_usd,
  sumIf(billed_nano_usd, is_failed) AS failed_cost_nano_usd,
  sumIf(billed_nano_usd, is_retry) AS retry_cost_nano_usd,
  countIf(pricing_status LIKE 'unpriced%' AND NOT is_duplicate) AS unpriced_calls,
  countIf(pricing_status = 'unpriced_missing_usage' AND NOT is_duplicate) AS missing_usage_calls,
  countIf(pricing_status = 'unpriced_missing_usage' AND is_failed AND NOT is_duplicate) AS failed_missing_usage_calls,
  countIf(${NO_PRICE} AND NOT is_duplicate) AS no_price_calls,
  sumIf(list_or_billed_nano_usd, NOT is_duplicate) AS list_cost_nano_usd,
  countIf(tenant = '' AND NOT is_duplicate) AS unallocated_calls,
  sumIf(billed_nano_usd, tenant = '') AS unallocated_cost_nano_usd,
  countIf(session_id != '' AND NOT is_duplicate) AS with_session_calls,
  countIf(ownership_conflict = 1) AS ownership_conflicts,
  min(timestamp) AS first_call_at,
  max(end_timestamp) AS last_call_end`;

// Calls are read one hour past each end of the period so that duplicate and retry partners
// straddling the boundary are still found; the outer filter keeps the period's own calls.
const PERIOD = `timestamp >= {from:DateTime64(9)} - INTERVAL 1 HOUR AND timestamp < {to:DateTime64(9)} + INTERVAL 1 HOUR`;
const IN_PERIOD = `timestamp >= {from:DateTime64(9)} AND timestamp < {to:DateTime64(9)}`;

/**
 * (Re)creates the workflow views, parameterized so ClickHouse reads only the period or the
 * trace asked for: `trace_calls_resolved(trace)` applies the rules live; `llm_calls_resolved`,
 * `trace_costs`, `session_costs` and `daily_costs` (all `(from, to)`) read the marks the
 * resolver stored; `touched_calls_resolved(since, upto)` feeds the resolver; `unpriced_calls`
 * lists calls without a cost. Every money column is the billed cost of `billed-cost.ts`. Rules come from
 * the configuration, so the views are replaced at every start.
 */
export async function createWorkflowViews(client: ClickHouseClient, db: string, o: WorkflowOptions & SchemaOptions): Promise<void> {
  // Managed elsewhere: the views are part of what `spanledger schema` prints.
  if (o.schema === 'external') return;
  for (const sql of workflowViewStatements(db, o)) for (const query of ddlFor(sql, o)) await client.command({ query });
}

/** The views' single-node DDL (`CREATE OR REPLACE VIEW`), for these options. */
export function workflowViewStatements(db: string, o: WorkflowOptions): string[] {
  const views: [string, string][] = [
    ['llm_calls_resolved', markedSql(db)],
    // What the resolver writes: every call of the traces touched in (since, upto].
    // The resolver reads only marks from it, so no adjustments are joined.
    ['touched_calls_resolved', resolvedSql(db, `trace_id IN (SELECT trace_id FROM ${db}.llm_calls WHERE ingested_at > {since:DateTime64(3)} AND ingested_at <= {upto:DateTime64(3)})`, '0', o)],
    ['trace_calls_resolved', resolvedSql(db, `trace_id = {trace:String}`, `trace_id = {trace:String}`, o)],
    [
      'trace_costs',
      `SELECT c.*, r.root_span_id, r.root_service, r.root_name, r.root_start, r.root_duration_ms, r.root_status
       FROM (
         SELECT trace_id, ${ROLLUP},
           argMin(team, timestamp) AS trace_team, argMin(feature, timestamp) AS trace_feature, argMin(tenant, timestamp) AS trace_tenant,
           anyIf(session_id, session_id != '') AS trace_session_id
         FROM (${markedSql(db)})
         GROUP BY trace_id
       ) AS c
       LEFT JOIN (
         SELECT trace_id, argMin(span_id, timestamp) AS root_span_id, argMin(service_name, timestamp) AS root_service,
           argMin(name, timestamp) AS root_name, min(timestamp) AS root_start, argMin(duration_ms, timestamp) AS root_duration_ms,
           argMin(status_code, timestamp) AS root_status
         FROM ${db}.spans FINAL
         WHERE parent_span_id = '' AND ${PERIOD}
         GROUP BY trace_id
       ) AS r USING (trace_id)`,
    ],
    [
      'session_costs',
      `SELECT session_id, ${ROLLUP}, uniqExact(trace_id) AS traces,
         argMin(team, timestamp) AS session_team, argMin(feature, timestamp) AS session_feature
       FROM (${withTraceWorkflow(db, markedSql(db), '{from:DateTime64(9)}', '{to:DateTime64(9)}')})
       WHERE session_id != ''
       GROUP BY session_id`,
    ],
    [
      'daily_costs',
      `SELECT toDate(timestamp) AS day, tenant, team, app, feature, environment, provider, model_key AS model, ${ROLLUP}
       FROM (${markedSql(db)})
       GROUP BY day, tenant, team, app, feature, environment, provider, model`,
    ],
    // Calls without a price, for `spanledger prices check` over the SQL endpoint (duplicates included: each report names a model).
    [
      'unpriced_calls',
      `SELECT timestamp, provider, request_model, response_model, service_tier, pricing_status, is_failed, ${NO_PRICE} AS no_price
       FROM ${db}.llm_calls FINAL WHERE pricing_status LIKE 'unpriced%'`,
    ],
  ];
  return views.map(([name, sql]) => `CREATE OR REPLACE VIEW ${db}.${name} AS ${sql}`);
}
