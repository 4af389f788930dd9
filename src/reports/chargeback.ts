import type { ClickHouseClient } from '@clickhouse/client';
import { applyMultiplier, dollars, usd } from './money-format';
import type { Period } from './period';
import type { TeamDirectory } from './ports';

/** Dimensions a chargeback can be grouped by, in the order given. */
export const CHARGEBACK_DIMENSIONS = ['team', 'app', 'feature', 'model', 'provider', 'environment', 'tenant'] as const;
export type Dimension = (typeof CHARGEBACK_DIMENSIONS)[number];

/** One chargeback line: billed (ledger cost plus re-rating adjustments), and charged after the team's multiplier. */
export interface ChargebackLine {
  [dim: string]: string | number | undefined;
  calls: number;
  billed_nano_usd: string;
  transfer_multiplier: string;
  charged_nano_usd: string;
  charged_usd: string;
  cost_center: string;
  business_unit: string;
}

/** The whole chargeback of a period. */
export interface Chargeback {
  period: string;
  group_by: Dimension[];
  lines: ChargebackLine[];
  unallocated: { calls: number; billed_nano_usd: string; billed_usd: string; note: string };
  totals: { billed_nano_usd: string; charged_nano_usd: string; allocated_billed_nano_usd: string; billed_usd: string; charged_usd: string };
  by_team: { team: string; billed_nano_usd: string; charged_nano_usd: string; failed_cost_nano_usd: string; retry_cost_nano_usd: string; failed_cost_ratio: number; cost_center: string }[];
  daily_trend: { day: string; team: string; billed_nano_usd: string }[];
  model_family_mix: { family: string; billed_nano_usd: string; share: number }[];
  top_routes: { route: string; service: string; traces: number; billed_nano_usd: string }[];
}

const q = async <T>(client: ClickHouseClient, query: string, params: Record<string, unknown>) =>
  (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();

/**
 * Chargeback for a period from the rollups (duplicates billed once) plus re-rating
 * adjustments. The unallocated bucket is its own line and is excluded from team totals;
 * each team's transfer multiplier from the registry is applied and shown.
 */
export async function chargeback(client: ClickHouseClient, db: string, period: Period, groupBy: Dimension[], teams: TeamDirectory): Promise<Chargeback> {
  const dims = groupBy.length > 0 ? groupBy : (['team'] as Dimension[]);
  if (!dims.includes('team')) dims.unshift('team');
  const p = { from: period.from, to: period.to };
  const keyCols = dims.join(', ');
  const rows = await q<Record<string, string>>(client,
    `SELECT ${keyCols}, toString(sum(calls)) AS calls, toString(sum(cost)) AS billed FROM (
       SELECT ${dims.map((d) => (d === 'model' ? 'model' : d)).join(', ')}, llm_calls AS calls, cost_nano_usd AS cost
       FROM ${db}.daily_costs(from = {from:String}, to = {to:String}) WHERE tenant != ''
       UNION ALL
       SELECT ${dims.map((d) => (d === 'model' ? 'request_model AS model' : d === 'environment' ? "'' AS environment" : d)).join(', ')}, 0 AS calls, delta_nano_usd AS cost
       FROM ${db}.cost_adjustments FINAL
       WHERE tenant != '' AND timestamp >= {from:String} AND timestamp < {to:String}
     ) GROUP BY ${keyCols} ORDER BY sum(cost) DESC`, p);
  const lines: ChargebackLine[] = rows.map((r) => {
    const fin = teams(r.team ?? '');
    const billed = BigInt(r.billed!);
    const multiplier = fin?.transferMultiplier ?? '1';
    const charged = applyMultiplier(billed, multiplier);
    // Grouping columns first, so CSV and tables read left to right.
    const keys: Record<string, string | undefined> = {};
    for (const d of dims) keys[d] = r[d];
    return {
      ...keys,
      calls: Number(r.calls), billed_nano_usd: billed.toString(), transfer_multiplier: multiplier, charged_nano_usd: charged.toString(),
      charged_usd: usd(charged), cost_center: fin?.costCenter ?? '', business_unit: fin?.businessUnit ?? '',
    };
  });
  const [un] = await q<{ calls: string; billed: string }>(client,
    `SELECT toString(sum(calls)) AS calls, toString(sum(cost)) AS billed FROM (
       SELECT llm_calls AS calls, cost_nano_usd AS cost FROM ${db}.daily_costs(from = {from:String}, to = {to:String}) WHERE tenant = ''
       UNION ALL
       SELECT 0, delta_nano_usd FROM ${db}.cost_adjustments FINAL WHERE tenant = '' AND timestamp >= {from:String} AND timestamp < {to:String}
     )`, p);
  const unBilled = BigInt(un?.billed ?? '0');
  const byTeamRows = await q<Record<string, string>>(client,
    `SELECT team, toString(sum(cost_nano_usd)) AS billed, toString(sum(failed_cost_nano_usd)) AS failed, toString(sum(retry_cost_nano_usd)) AS retry
     FROM ${db}.daily_costs(from = {from:String}, to = {to:String}) WHERE tenant != '' GROUP BY team ORDER BY sum(cost_nano_usd) DESC`, p);
  const teamBilled = new Map<string, bigint>();
  for (const l of lines) teamBilled.set(String(l.team), (teamBilled.get(String(l.team)) ?? 0n) + BigInt(l.billed_nano_usd));
  const byTeam = byTeamRows.map((r) => {
    const billed = teamBilled.get(r.team!) ?? BigInt(r.billed!);
    const fin = teams(r.team!);
    const failed = BigInt(r.failed!);
    return {
      team: r.team!, billed_nano_usd: billed.toString(), charged_nano_usd: applyMultiplier(billed, fin?.transferMultiplier ?? '1').toString(),
      failed_cost_nano_usd: failed.toString(), retry_cost_nano_usd: r.retry!, failed_cost_ratio: billed === 0n ? 0 : Number((failed * 1_000_000n) / billed) / 1_000_000,
      cost_center: fin?.costCenter ?? '',
    };
  });
  const trend = await q<{ day: string; team: string; billed: string }>(client,
    `SELECT toString(day) AS day, if(tenant = '', '(unallocated)', team) AS team, toString(sum(cost_nano_usd)) AS billed
     FROM ${db}.daily_costs(from = {from:String}, to = {to:String}) GROUP BY day, team ORDER BY day, team`, p);
  const families = await q<{ family: string; billed: string }>(client,
    `SELECT concat(provider, '/', replaceRegexpOne(model, '(-\\\\d{4}-\\\\d{2}-\\\\d{2}|-\\\\d{8}|@.*)$', '')) AS family, toString(sum(cost_nano_usd)) AS billed
     FROM ${db}.daily_costs(from = {from:String}, to = {to:String}) GROUP BY family ORDER BY sum(cost_nano_usd) DESC`, p);
  const routes = await q<{ route: string; service: string; traces: string; billed: string }>(client,
    `SELECT if(root_name = '', '(no root span)', root_name) AS route, root_service AS service, toString(count()) AS traces, toString(sum(cost_nano_usd)) AS billed
     FROM ${db}.trace_costs(from = {from:String}, to = {to:String}) GROUP BY route, service ORDER BY sum(cost_nano_usd) DESC LIMIT 10`, p);

  const allocated = lines.reduce((s, l) => s + BigInt(l.billed_nano_usd), 0n);
  const charged = lines.reduce((s, l) => s + BigInt(l.charged_nano_usd), 0n);
  const familyTotal = families.reduce((s, f) => s + BigInt(f.billed), 0n);
  return {
    period: period.label,
    group_by: dims,
    lines,
    unallocated: { calls: Number(un?.calls ?? 0), billed_nano_usd: unBilled.toString(), billed_usd: usd(unBilled), note: 'not spread over teams; fix ownership (see report quality)' },
    totals: {
      billed_nano_usd: (allocated + unBilled).toString(), charged_nano_usd: (charged + unBilled).toString(), allocated_billed_nano_usd: allocated.toString(),
      billed_usd: dollars(allocated + unBilled), charged_usd: dollars(charged + unBilled),
    },
    by_team: byTeam,
    daily_trend: trend.map((t) => ({ day: t.day, team: t.team, billed_nano_usd: t.billed })),
    model_family_mix: families.map((f) => ({ family: f.family, billed_nano_usd: f.billed, share: familyTotal === 0n ? 0 : Number((BigInt(f.billed) * 1_000_000n) / familyTotal) / 1_000_000 })),
    top_routes: routes.map((r) => ({ route: r.route, service: r.service, traces: Number(r.traces), billed_nano_usd: r.billed })),
  };
}
