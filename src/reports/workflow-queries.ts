import type { ClickHouseClient } from '@clickhouse/client';

/** Totals of a trace, a session or a day, exact nano-USD as decimal strings. */
export type Totals = Record<string, string | number>;

/** A span of a trace with its LLM call (if it is one) and the cost of everything beneath it. */
export interface CostNode {
  span_id: string;
  parent_span_id: string;
  name: string;
  service: string;
  kind: string;
  start: string;
  duration_ms: number;
  status: string;
  llm: Record<string, unknown> | null;
  /** Billed cost of this span's call plus all its descendants'. */
  subtree_cost_nano_usd: string;
  children: CostNode[];
}

const TOTAL_COLUMNS = [
  'llm_calls', 'duplicates', 'retries', 'failed_calls', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens',
  'reasoning_tokens', 'cost_nano_usd', 'failed_cost_nano_usd', 'retry_cost_nano_usd', 'unpriced_calls', 'unallocated_calls', 'unallocated_cost_nano_usd',
];
const totalsSelect = TOTAL_COLUMNS.map((c) => `toString(${c}) AS ${c}`).join(', ');

/** Reads workflow costs through the ledger's views; every figure comes from ClickHouse. */
export function createWorkflowQueries(client: ClickHouseClient, db: string) {
  const rows = async <T>(query: string, params: Record<string, unknown>) =>
    (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();

  return {
    /** The trace's span tree with costs, and its totals; undefined when no span of it is stored. */
    async trace(traceId: string): Promise<{ trace_id: string; totals: Totals; root: CostNode | undefined; orphans: CostNode[] } | undefined> {
      const spans = await rows<Omit<CostNode, 'llm' | 'children' | 'subtree_cost_nano_usd'>>(
        `SELECT span_id, parent_span_id, name, service_name AS service, kind, toString(timestamp) AS start, duration_ms, status_code AS status
         FROM ${db}.spans FINAL WHERE trace_id = {t:String} ORDER BY timestamp`,
        { t: traceId },
      );
      const calls = await rows<Record<string, unknown> & { span_id: string; billed: string }>(
        `SELECT span_id, provider, operation, request_model, response_model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
           reasoning_tokens, toString(cost_nano_usd) AS cost_nano_usd, toString(billed_nano_usd) AS billed, is_duplicate, duplicate_of, is_retry,
           is_failed, retry_attempt, tenant, team, feature, session_id, pricing_status, price_version, parent_span_id, service_name,
           toString(timestamp) AS start, latency_ms, status_code
         FROM ${db}.trace_calls_resolved(trace = {t:String})`,
        { t: traceId },
      );
      if (spans.length === 0 && calls.length === 0) return undefined;
      const callBySpan = new Map(calls.map((c) => [c.span_id, c]));
      const nodes = new Map<string, CostNode>();
      for (const s of spans) {
        const call = callBySpan.get(s.span_id);
        nodes.set(s.span_id, { ...s, llm: call ? llmView(call) : null, subtree_cost_nano_usd: '0', children: [] });
      }
      // A call whose span was already dropped by the spans TTL still shows up.
      for (const c of calls) {
        if (!nodes.has(c.span_id)) {
          nodes.set(c.span_id, {
            span_id: c.span_id, parent_span_id: String(c.parent_span_id), name: '', service: String(c.service_name), kind: 'client',
            start: String(c.start), duration_ms: Number(c.latency_ms), status: String(c.status_code), llm: llmView(c), subtree_cost_nano_usd: '0', children: [],
          });
        }
      }
      const tops: CostNode[] = [];
      for (const n of nodes.values()) {
        const parent = n.parent_span_id ? nodes.get(n.parent_span_id) : undefined;
        if (parent) parent.children.push(n);
        else tops.push(n);
      }
      const fill = (n: CostNode): bigint => {
        let sum = BigInt((callBySpan.get(n.span_id)?.billed as string | undefined) ?? '0');
        for (const c of n.children) sum += fill(c);
        n.subtree_cost_nano_usd = sum.toString();
        return sum;
      };
      tops.forEach(fill);
      const [totals] = await rows<Totals>(
        `SELECT ${totalsSelect} FROM (
           SELECT ${rollupOf('t')} FROM ${db}.trace_calls_resolved(trace = {t:String}) AS t
         )`,
        { t: traceId },
      );
      const root = tops.find((n) => n.parent_span_id === '') ?? tops[0];
      return { trace_id: traceId, totals: totals ?? {}, root, orphans: tops.filter((n) => n !== root) };
    },

    /** A session's totals and its traces, for calls that started in [from, to). */
    async session(sessionId: string, from: string, to: string): Promise<{ session_id: string; totals: Totals; traces: Totals[] } | undefined> {
      const [totals] = await rows<Totals>(
        `SELECT ${totalsSelect}, toString(traces) AS traces FROM ${db}.session_costs(from = {from:String}, to = {to:String}) WHERE session_id = {s:String}`,
        { s: sessionId, from, to },
      );
      if (totals === undefined) return undefined;
      const traces = await rows<Totals>(
        `SELECT trace_id, root_name, root_service, toString(root_start) AS root_start, ${totalsSelect}
         FROM ${db}.trace_costs(from = {from:String}, to = {to:String})
         WHERE trace_id IN (SELECT trace_id FROM ${db}.llm_calls WHERE session_id = {s:String})
         ORDER BY root_start`,
        { s: sessionId, from, to },
      );
      return { session_id: sessionId, totals, traces };
    },
  };
}

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

function llmView(c: Record<string, unknown>): Record<string, unknown> {
  const { span_id: _s, parent_span_id: _p, service_name: _n, start: _t, latency_ms: _l, status_code: _c, billed, ...rest } = c;
  return { ...rest, billed_nano_usd: billed };
}
