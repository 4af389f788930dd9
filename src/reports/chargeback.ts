import { applyMultiplier, usd } from './money-format';
import type { Period } from './period';
import type { ReportLedger, TeamDirectory } from './ports';

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
  unallocated: { calls: number; billed_nano_usd: string; billed_usd: string; note: string; reasons: { reason: string; calls: number; billed_nano_usd: string }[] };
  /**
   * Billed is everything the ledger bills, the unallocated bucket included; charged is what
   * the teams are charged back (their lines after multipliers), so the unallocated bucket
   * is not in it. The `_usd` fields are exact decimals, as on every line.
   */
  totals: { billed_nano_usd: string; charged_nano_usd: string; allocated_billed_nano_usd: string; unallocated_billed_nano_usd: string; billed_usd: string; charged_usd: string };
  by_team: { team: string; billed_nano_usd: string; charged_nano_usd: string; failed_cost_nano_usd: string; retry_cost_nano_usd: string; failed_cost_ratio: number; cost_center: string }[];
  daily_trend: { day: string; team: string; billed_nano_usd: string }[];
  model_family_mix: { family: string; billed_nano_usd: string; share: number }[];
  top_routes: { route: string; service: string; traces: number; billed_nano_usd: string }[];
}

/**
 * Chargeback for a period from the ledger's daily rollups of the billed cost (duplicates
 * billed once, re-rating adjustments added; the caller runs the mark resolver first so they
 * are current). The unallocated bucket is its own line and is excluded from team totals;
 * each team's transfer multiplier from the registry is applied and shown.
 */
export async function chargeback(ledger: ReportLedger, period: Period, groupBy: Dimension[], teams: TeamDirectory): Promise<Chargeback> {
  const dims = groupBy.length > 0 ? [...groupBy] : (['team'] as Dimension[]);
  if (!dims.includes('team')) dims.unshift('team');
  const p = { from: period.from, to: period.to };
  // One scan of the rollup; every section is summed from it here.
  const rows = await ledger.dailyCosts(p);
  const sum = <K>(keyOf: (r: Record<string, string>) => K | undefined, field = 'cost') => {
    const m = new Map<K, bigint>();
    for (const r of rows) {
      const k = keyOf(r);
      if (k !== undefined) m.set(k, (m.get(k) ?? 0n) + BigInt(r[field]!));
    }
    return m;
  };
  const allocated = rows.filter((r) => r.tenant !== '');
  const groups = new Map<string, { keys: Record<string, string>; calls: number; billed: bigint }>();
  for (const r of allocated) {
    const id = dims.map((d) => r[d]).join('\u0000');
    const g = groups.get(id) ?? { keys: Object.fromEntries(dims.map((d) => [d, r[d]!])), calls: 0, billed: 0n };
    g.calls += Number(r.calls);
    g.billed += BigInt(r.cost!);
    groups.set(id, g);
  }
  const lines: ChargebackLine[] = [...groups.values()]
    .sort((a, b) => (b.billed > a.billed ? 1 : b.billed < a.billed ? -1 : 0))
    .map((g) => {
      const fin = teams(g.keys.team ?? '');
      const multiplier = fin?.transferMultiplier ?? '1';
      const charged = applyMultiplier(g.billed, multiplier);
      // Grouping columns first, so CSV and tables read left to right.
      return {
        ...g.keys,
        calls: g.calls, billed_nano_usd: g.billed.toString(), transfer_multiplier: multiplier, charged_nano_usd: charged.toString(),
        charged_usd: usd(charged), cost_center: fin?.costCenter ?? '', business_unit: fin?.businessUnit ?? '',
      };
    });
  const unRows = rows.filter((r) => r.tenant === '');
  const unBilled = unRows.reduce((s2, r) => s2 + BigInt(r.cost!), 0n);
  const teamBilled = sum((r) => (r.tenant === '' ? undefined : r.team));
  const teamFailed = sum((r) => (r.tenant === '' ? undefined : r.team), 'failed');
  const teamRetry = sum((r) => (r.tenant === '' ? undefined : r.team), 'retry');
  const byTeam = [...teamBilled.entries()]
    .sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0))
    .map(([team, billed]) => {
      const fin = teams(team);
      const failed = teamFailed.get(team) ?? 0n;
      return {
        team, billed_nano_usd: billed.toString(), charged_nano_usd: applyMultiplier(billed, fin?.transferMultiplier ?? '1').toString(),
        failed_cost_nano_usd: failed.toString(), retry_cost_nano_usd: (teamRetry.get(team) ?? 0n).toString(),
        failed_cost_ratio: billed === 0n ? 0 : Number((failed * 1_000_000n) / billed) / 1_000_000, cost_center: fin?.costCenter ?? '',
      };
    });
  const trend = sum((r) => `${r.day}\u0000${r.tenant === '' ? '(unallocated)' : r.team}`);
  const families = sum((r) => `${r.provider}/${r.model!.replace(/(-\d{4}-\d{2}-\d{2}|-\d{8}|@.*)$/, '')}`);
  const familyTotal = [...families.values()].reduce((a, b) => a + b, 0n);
  const [routes, reasons] = await Promise.all([ledger.topRoutes(p, 10), ledger.unallocatedReasons(p)]);

  const allocatedTotal = lines.reduce((s2, l) => s2 + BigInt(l.billed_nano_usd), 0n);
  const charged = lines.reduce((s2, l) => s2 + BigInt(l.charged_nano_usd), 0n);
  return {
    period: period.label,
    group_by: dims,
    lines,
    unallocated: { calls: unRows.reduce((n, r) => n + Number(r.calls), 0), billed_nano_usd: unBilled.toString(), billed_usd: usd(unBilled), note: 'not spread over teams; fix ownership (see report quality)',
      reasons: reasons.map((r) => ({ reason: r.reason!, calls: Number(r.calls), billed_nano_usd: r.billed! })) },
    totals: {
      billed_nano_usd: (allocatedTotal + unBilled).toString(), charged_nano_usd: charged.toString(), allocated_billed_nano_usd: allocatedTotal.toString(),
      unallocated_billed_nano_usd: unBilled.toString(), billed_usd: usd(allocatedTotal + unBilled), charged_usd: usd(charged),
    },
    by_team: byTeam,
    daily_trend: [...trend.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) => {
      const [day, team] = k.split('\u0000');
      return { day: day!, team: team!, billed_nano_usd: v.toString() };
    }),
    model_family_mix: [...families.entries()].sort((a, b) => (b[1] > a[1] ? 1 : -1)).map(([family, v]) => ({
      family, billed_nano_usd: v.toString(), share: familyTotal === 0n ? 0 : Number((v * 1_000_000n) / familyTotal) / 1_000_000,
    })),
    top_routes: routes.map((r) => ({ route: r.route!, service: r.service!, traces: Number(r.traces), billed_nano_usd: r.billed! })),
  };
}
