import type { ClickHouseClient } from '@clickhouse/client';
import { ledgerByDaySql, shiftSeconds } from './ledger-by-day';
import { splitPeriod } from './period-split';
import { priceRowsOfPeriod } from './price-rollup';
import { MODEL_FAMILY } from './workflow-views';

/** A reporting period: ClickHouse DateTime64 literals (UTC), `from` inclusive, `to` exclusive, whole days for rollup reads. */
export interface PeriodBounds {
  from: string;
  to: string;
}

/** A row of a named query: every figure an exact decimal string (money in nano-USD). */
export type Row = Record<string, string>;

/** One imported invoice line, as stored in `invoice_lines`. */
export interface InvoiceLineRow {
  day: string;
  provider: string;
  model: string;
  costNano: bigint;
  currency: string;
}

/**
 * The ledger's named queries for reports: every report asks these, never the tables. Money
 * is the billed cost of `billed-cost.ts` (duplicates once, re-rating adjustments added),
 * read from the daily rollups the mark resolver keeps (run it first) or from the views.
 */
export interface ReportQueries {
  /**
   * Rollup rows of the period, one per day and grouping (tenant, team, app, feature,
   * environment, provider, model): `day calls duplicates retries cost list_cost failed retry
   * tokens` (tokens: input plus output), ordered by day, provider, model, tenant, team, app,
   * feature, environment.
   */
  dailyCosts(p: PeriodBounds): Promise<Row[]>;
  /** The `limit` costliest root routes: `route service traces billed`. */
  topRoutes(p: PeriodBounds, limit: number): Promise<Row[]>;
  /** Billed cost, calls and tokens per team (tenant-less calls as `(unattributed)`), feature and model: `dim subject cost calls tokens`. */
  costByDimension(p: PeriodBounds): Promise<Row[]>;
  /** Per user: `subject cost calls tokens`. */
  costByUser(p: PeriodBounds): Promise<Row[]>;
  /** Per team and day: `team day spend retry_rate` (retry_rate a decimal fraction). */
  teamDays(p: PeriodBounds): Promise<Row[]>;
  /**
   * Totals: `calls resolved with_session spend unallocated unpriced missing_usage
   * failed_missing_usage duplicates conflicts`.
   */
  qualityTotals(p: PeriodBounds): Promise<Row>;
  /** Models (or their tiers) without a price: `provider model calls`, most calls first; calls without usage are not among them. */
  unpricedModels(p: PeriodBounds): Promise<Row[]>;
  /** Spans no convention claimed that name a catalog model. */
  unmappedLlmSpans(p: PeriodBounds): Promise<number>;
  /** Imported invoice total of the period's days: `invoiced n` (n: lines). */
  invoiceTotal(p: PeriodBounds): Promise<Row>;
  /** Invoice lines per day, provider and model family: `day provider model cost`. */
  invoiceByDay(p: PeriodBounds): Promise<Row[]>;
  /**
   * The ledger per day, provider and model family: `day provider model cost unpriced
   * failed_no_usage`, and `near_start near_end`: the billed cost of the family's calls within
   * `edgeHours` of the period's start and end, on either side of the edge.
   */
  ledgerByDay(p: PeriodBounds, edgeHours: number): Promise<Row[]>;
  /** Stores an invoice file's lines under its SHA-256 (re-importing replaces them). */
  writeInvoiceLines(fileSha256: string, source: string, lines: readonly InvoiceLineRow[]): Promise<void>;
  /** Unallocated calls (no tenant) by their reason: `reason calls billed`, costliest first; duplicates not counted. */
  unallocatedReasons(p: PeriodBounds): Promise<Row[]>;
  /** Budget events created in the period, newest first: `at kind scope subject period_start period_end limit spent reserved currency message`. */
  budgetEvents(p: PeriodBounds, limit: number): Promise<Row[]>;
  /** Recorded policy decisions of the period by outcome and reason: `outcome reason decisions`. */
  decisionCounts(p: PeriodBounds): Promise<Row[]>;
  /** The latest recorded policy decisions of the period: `at tenant provider model outcome reason reserved`. */
  recentDecisions(p: PeriodBounds, limit: number): Promise<Row[]>;
  /**
   * The prices the period's calls got, per provider, model (the response's, else the
   * request's), price version and pricing status: `provider model version status calls
   * billed` (duplicates not counted).
   */
  pricesInUse(p: PeriodBounds): Promise<Row[]>;
  /** Re-rating adjustments of the period's calls: `provider model from_version to_version reason calls delta`. */
  priceAdjustments(p: PeriodBounds): Promise<Row[]>;
}

/** A DateTime64 literal moved by `hours`. */
const shift = (at: string, hours: number) => shiftSeconds(at, hours * 3600);

const DAYS = (table: string) => `${table} AS r FINAL WHERE r.day >= toDate({from:String}) AND r.day < toDate({to:String})`;

/**
 * The report queries over database `db`: `client` reads (a read-only session will do),
 * `writer` stores invoice lines.
 */
export function createReportQueries(client: ClickHouseClient, writer: ClickHouseClient, db: string): ReportQueries {
  // Every value is a bound parameter: the period, and a query's own (a limit, an edge).
  const all = async (query: string, params: PeriodBounds & { [k: string]: unknown } | PeriodBounds): Promise<Row[]> =>
    (await client.query({ query, query_params: { ...params }, format: 'JSONEachRow' })).json<Row>();
  const costs = DAYS(`${db}.rollup_daily_costs`);
  return {
    dailyCosts: (p) =>
      all(`SELECT toString(r.day) AS day, tenant, team, app, feature, environment, provider, model, toString(r.llm_calls) AS calls,
          toString(r.duplicates) AS duplicates, toString(r.retries) AS retries, toString(r.cost_nano_usd) AS cost,
          toString(r.list_cost_nano_usd) AS list_cost, toString(r.failed_cost_nano_usd) AS failed, toString(r.retry_cost_nano_usd) AS retry,
          toString(r.input_tokens + r.output_tokens) AS tokens
        FROM ${costs} AND r.llm_calls + r.duplicates > 0
        ORDER BY day, provider, model, tenant, team, app, feature, environment`, p),
    topRoutes: (p, limit) =>
      all(`SELECT route, service, toString(uniqExactMerge(r.traces)) AS traces, toString(sum(r.cost_nano_usd)) AS billed
        FROM ${DAYS(`${db}.rollup_daily_routes`)}
        GROUP BY route, service HAVING uniqExactMerge(r.traces) > 0 ORDER BY sum(r.cost_nano_usd) DESC, route LIMIT {limit:UInt32}`, { ...p, limit }),
    // Team, feature and model at once through grouping sets over the daily rollup.
    costByDimension: (p) =>
      all(`SELECT multiIf(grouping(t) = 0, 'team', grouping(f) = 0, 'feature', 'model') AS dim,
          multiIf(grouping(t) = 0, t, grouping(f) = 0, f, m) AS subject,
          toString(sum(cost_nano_usd)) AS cost, toString(sum(llm_calls)) AS calls, toString(sum(input_tokens + output_tokens)) AS tokens
        FROM (
          SELECT if(tenant = '', '(unattributed)', team) AS t, feature AS f, model AS m, cost_nano_usd, llm_calls, input_tokens, output_tokens
          FROM ${costs} AND r.llm_calls + r.duplicates > 0
        )
        GROUP BY GROUPING SETS ((t), (f), (m))`, p),
    costByUser: (p) =>
      all(`SELECT user_id AS subject, toString(sum(cost_nano_usd)) AS cost, toString(sum(llm_calls)) AS calls, toString(sum(tokens)) AS tokens
        FROM ${DAYS(`${db}.rollup_daily_users`)}
        GROUP BY user_id HAVING sum(llm_calls) > 0`, p),
    teamDays: (p) =>
      all(`SELECT if(tenant = '', '(unattributed)', team) AS team, toString(day) AS day, toString(sum(cost_nano_usd)) AS spend,
          toString(if(sum(llm_calls) = 0, 0, sum(retries) / sum(llm_calls))) AS retry_rate
        FROM ${costs}
        GROUP BY team, day HAVING sum(llm_calls) + sum(duplicates) > 0 ORDER BY team, day`, p),
    qualityTotals: async (p) =>
      (await all(`SELECT toString(sum(llm_calls)) AS calls, toString(sumIf(llm_calls, team != '')) AS resolved,
          toString(sum(with_session_calls)) AS with_session, toString(sum(cost_nano_usd)) AS spend,
          toString(sumIf(cost_nano_usd, tenant = '')) AS unallocated, toString(sum(unpriced_calls)) AS unpriced,
          toString(sum(missing_usage_calls)) AS missing_usage, toString(sum(failed_missing_usage_calls)) AS failed_missing_usage,
          toString(sum(duplicates)) AS duplicates, toString(sum(ownership_conflicts)) AS conflicts
        FROM ${costs}`, p))[0]!,
    unpricedModels: (p) =>
      all(`SELECT provider, model, toString(sum(no_price_calls)) AS calls FROM ${costs}
        GROUP BY provider, model HAVING sum(no_price_calls) > 0 ORDER BY sum(no_price_calls) DESC, provider, model`, p),
    unmappedLlmSpans: async (p) =>
      Number((await all(`SELECT toString(count()) AS n FROM ${db}.spans FINAL
        WHERE unmapped_llm = 1 AND timestamp >= {from:String} AND timestamp < {to:String}`, p))[0]?.n ?? 0),
    invoiceTotal: async (p) =>
      (await all(`SELECT toString(sum(cost_nano_usd)) AS invoiced, toString(count()) AS n FROM ${DAYS(`${db}.invoice_lines`)}`, p))[0]!,
    invoiceByDay: (p) =>
      all(`SELECT toString(r.day) AS day, r.provider AS provider, ${MODEL_FAMILY('r.model')} AS model, toString(sum(r.cost_nano_usd)) AS cost
        FROM ${DAYS(`${db}.invoice_lines`)} GROUP BY day, provider, model`, p),
    // The daily figures come from the price rollup; only the calls within `edgeHours` of
    // either edge are read, for the cost near them.
    ledgerByDay: (p, edgeHours) => {
      const q = ledgerByDaySql(db, splitPeriod(p.from, p.to), p, Math.round(edgeHours * 3600), shift(p.from, -edgeHours), shift(p.to, edgeHours));
      return all(q.sql, { ...p, ...q.params });
    },
    unallocatedReasons: (p) => {
      const rows = priceRowsOfPeriod(db, splitPeriod(p.from, p.to));
      return all(`SELECT unallocated_reason AS reason, toString(sum(llm_calls)) AS calls, toString(sum(cost_nano_usd)) AS billed
        FROM (${rows.sql}) WHERE unallocated = 1
        GROUP BY reason HAVING sum(llm_calls) > 0 ORDER BY sum(cost_nano_usd) DESC, reason`, { ...p, ...rows.params });
    },
    budgetEvents: (p, limit) =>
      all(`SELECT toString(created_at) AS at, kind, scope, subject, toString(period_start) AS period_start, toString(period_end) AS period_end,
          toString(limit_nano_usd) AS limit, toString(spent_nano_usd) AS spent, toString(reserved_nano_usd) AS reserved, currency, message
        FROM ${db}.policy_events FINAL
        WHERE created_at >= toDateTime64({from:String}, 3) AND created_at < toDateTime64({to:String}, 3)
        ORDER BY created_at DESC, kind LIMIT {limit:UInt32}`, { ...p, limit }),
    decisionCounts: (p) =>
      all(`SELECT outcome, reason, toString(count()) AS decisions FROM ${db}.policy_decisions
        WHERE created_at >= toDateTime64({from:String}, 3) AND created_at < toDateTime64({to:String}, 3)
        GROUP BY outcome, reason ORDER BY count() DESC, outcome, reason`, p),
    recentDecisions: (p, limit) =>
      all(`SELECT toString(created_at) AS at, tenant, provider, model, outcome, reason, toString(reserved_nano_usd) AS reserved
        FROM ${db}.policy_decisions
        WHERE created_at >= toDateTime64({from:String}, 3) AND created_at < toDateTime64({to:String}, 3)
        ORDER BY created_at DESC, decision_id LIMIT {limit:UInt32}`, { ...p, limit }),
    pricesInUse: (p) => {
      const rows = priceRowsOfPeriod(db, splitPeriod(p.from, p.to));
      return all(`SELECT provider, model, price_version AS version, pricing_status AS status,
          toString(sum(llm_calls)) AS calls, toString(sum(cost_nano_usd)) AS billed
        FROM (${rows.sql})
        GROUP BY provider, model, version, status HAVING sum(llm_calls) > 0 ORDER BY provider, model, version, status`, { ...p, ...rows.params });
    },
    priceAdjustments: (p) =>
      all(`SELECT provider, request_model AS model, original_price_version AS from_version, repriced_price_version AS to_version, reason,
          toString(count()) AS calls, toString(sum(delta_nano_usd)) AS delta
        FROM ${db}.cost_adjustments FINAL
        WHERE timestamp >= toDateTime64({from:String}, 9) AND timestamp < toDateTime64({to:String}, 9)
        GROUP BY provider, model, from_version, to_version, reason ORDER BY provider, model, from_version, to_version, reason`, p),
    async writeInvoiceLines(fileSha256, source, lines) {
      if (lines.length === 0) return;
      await writer.insert({
        table: `${db}.invoice_lines`,
        format: 'JSONEachRow',
        values: lines.map((l, i) => ({
          file_sha256: fileSha256, line_no: i + 1, source, day: l.day, provider: l.provider, model: l.model, cost_nano_usd: l.costNano.toString(), currency: l.currency,
        })),
      });
    },
  };
}
