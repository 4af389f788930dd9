import type { DrilldownLedger } from './ports';

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

/** Builds the drill-down from the ledger's named queries; every figure comes from ClickHouse. */
export function createWorkflowQueries(ledger: DrilldownLedger) {
  return {
    /** The trace's span tree with costs, and its totals; undefined when no span of it is stored. */
    async trace(traceId: string): Promise<{ trace_id: string; totals: Totals; root: CostNode | undefined; orphans: CostNode[] } | undefined> {
      // The three reads are independent: run at once, the page waits for the slowest, not their sum.
      const [spans, calls, totals] = await Promise.all([ledger.traceSpans(traceId), ledger.traceCalls(traceId), ledger.traceTotals(traceId)]);
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
      const root = tops.find((n) => n.parent_span_id === '') ?? tops[0];
      return { trace_id: traceId, totals: totals ?? {}, root, orphans: tops.filter((n) => n !== root) };
    },

    /** A session's totals and its traces, for calls that started in [from, to). */
    async session(sessionId: string, from: string, to: string): Promise<{ session_id: string; totals: Totals; traces: Totals[] } | undefined> {
      const totals = await ledger.sessionTotals(sessionId, from, to);
      if (totals === undefined) return undefined;
      const traces = await ledger.sessionTraces(sessionId, from, to);
      return { session_id: sessionId, totals, traces };
    },

    /** The costliest sessions of calls that started in [from, to), of one team when `team` is set. */
    async sessions(from: string, to: string, team: string, limit: number): Promise<{ sessions: Totals[] }> {
      return { sessions: await ledger.costliestSessions(from, to, team, limit) };
    },
  };
}

function llmView(c: Record<string, unknown>): Record<string, unknown> {
  const { span_id: _s, parent_span_id: _p, service_name: _n, start: _t, latency_ms: _l, status_code: _c, billed, ...rest } = c;
  return { ...rest, billed_nano_usd: billed };
}
