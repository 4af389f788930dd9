import type { ClickHouseClient } from '@clickhouse/client';
import type { Period } from './period';
import { rollupRange } from './rollup-range';

/** How far the ledger can be trusted for a period. Ratios are 0..1. */
export interface QualityReport {
  period: string;
  calls: number;
  resolved_team_ratio: number;
  session_id_ratio: number;
  unallocated_spend_ratio: number;
  unallocated_spend_pct: number;
  unpriced_calls: number;
  unpriced_models: { provider: string; model: string; calls: number }[];
  ownership_conflicts: number;
  duplicates_removed: number;
  unmapped_llm_spans: number;
  reconciliation_gap_nano_usd: string | null;
}

const q = async <T>(client: ClickHouseClient, query: string, params: Record<string, unknown>) =>
  (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();

/** Data-quality figures of a period, from the daily rollup (duplicates excluded from the shares). */
export async function quality(client: ClickHouseClient, db: string, period: Period): Promise<QualityReport> {
  const p = { from: period.from, to: period.to };
  // The daily rollup is grouped by team, tenant, provider and model, so every share below is a
  // sum over it (the caller runs the mark resolver first, so it is current).
  const rollup = rollupRange(db, 'rollup_daily_costs');
  const [m] = await q<Record<string, string>>(client,
    `SELECT toString(sum(llm_calls)) AS calls,
       toString(sumIf(llm_calls, team != '')) AS resolved,
       toString(sum(with_session_calls)) AS with_session,
       toString(sum(cost_nano_usd)) AS spend,
       toString(sumIf(cost_nano_usd, tenant = '')) AS unallocated,
       toString(sum(unpriced_calls)) AS unpriced,
       toString(sum(duplicates)) AS duplicates,
       toString(sum(ownership_conflicts)) AS conflicts
     FROM ${rollup}`, p);
  const [u] = await q<{ n: string }>(client,
    `SELECT toString(count()) AS n FROM ${db}.spans FINAL WHERE unmapped_llm = 1 AND timestamp >= {from:String} AND timestamp < {to:String}`, p);
  const models = await q<{ provider: string; model: string; calls: string }>(client,
    `SELECT provider, model, toString(sum(unpriced_calls)) AS calls FROM ${rollup}
     GROUP BY provider, model HAVING sum(unpriced_calls) > 0 ORDER BY sum(unpriced_calls) DESC, provider, model`, p);
  const [r] = await q<{ invoiced: string; n: string }>(client,
    `SELECT toString(sum(cost_nano_usd)) AS invoiced, toString(count()) AS n FROM ${db}.invoice_lines AS i FINAL WHERE i.day >= toDate({from:String}) AND i.day < toDate({to:String})`, p);
  const calls = Number(m?.calls ?? 0);
  const spend = BigInt(m?.spend ?? '0');
  const unallocated = BigInt(m?.unallocated ?? '0');
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const unallocatedRatio = spend === 0n ? 0 : Number((unallocated * 1_000_000n) / spend) / 1_000_000;
  return {
    period: period.label,
    calls,
    resolved_team_ratio: ratio(Number(m?.resolved ?? 0), calls),
    session_id_ratio: ratio(Number(m?.with_session ?? 0), calls),
    unallocated_spend_ratio: unallocatedRatio,
    unallocated_spend_pct: Math.round(unallocatedRatio * 10_000) / 100,
    unpriced_calls: Number(m?.unpriced ?? 0),
    unpriced_models: models.map((x) => ({ provider: x.provider, model: x.model, calls: Number(x.calls) })),
    ownership_conflicts: Number(m?.conflicts ?? 0),
    duplicates_removed: Number(m?.duplicates ?? 0),
    unmapped_llm_spans: Number(u?.n ?? 0),
    reconciliation_gap_nano_usd: Number(r?.n ?? 0) === 0 ? null : (BigInt(r!.invoiced) - spend).toString(),
  };
}
