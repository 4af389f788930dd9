import type { ClickHouseClient } from '@clickhouse/client';
import { dollars } from './money-format';
import type { Period } from './period';

/** Why a line's ledger cost differs from the invoice. */
export type GapCategory = 'not_seen_by_ledger' | 'unpriced_models' | 'failed_or_retried_calls' | 'timing_at_period_boundary' | 'rate_mismatch';

/** One provider × model family × day compared. */
export interface ReconLine {
  day: string;
  provider: string;
  model: string;
  invoiced_nano_usd: string;
  ledger_nano_usd: string;
  gap_nano_usd: string;
  category: GapCategory | 'within_tolerance';
}

const q = async <T>(client: ClickHouseClient, query: string, params: Record<string, unknown>) =>
  (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();

// Invoices name dated model versions; the ledger may hold either form. Compare model families.
const FAMILY = (col: string) => `replaceRegexpOne(lower(${col}), '(-\\\\d{4}-\\\\d{2}-\\\\d{2}|-\\\\d{8}|@.*)$', '')`;

/**
 * Compares imported invoices with the ledger per provider, model family and day. The
 * whole period is within tolerance when |gap| <= tolerance% of the invoice; each line out of
 * tolerance is explained: not seen by the ledger (no calls at all), timing at a period
 * boundary (first or last day), unpriced models, failed or retried calls without usage, or
 * otherwise a rate mismatch. Totals are exact nano-USD.
 */
export async function reconcile(client: ClickHouseClient, db: string, period: Period, tolerancePct: number) {
  const p = { from: period.from, to: period.to };
  const invoice = await q<{ day: string; provider: string; model: string; cost: string }>(client,
    `SELECT toString(i.day) AS day, i.provider AS provider, ${FAMILY('i.model')} AS model, toString(sum(i.cost_nano_usd)) AS cost
     FROM ${db}.invoice_lines AS i FINAL WHERE i.day >= toDate({from:String}) AND i.day < toDate({to:String})
     GROUP BY day, provider, model`, p);
  const ledger = await q<{ day: string; provider: string; model: string; cost: string; unpriced: string; failed_no_usage: string }>(client,
    `SELECT toString(toDate(timestamp)) AS day, provider, ${FAMILY('model_key')} AS model, toString(sum(billed_nano_usd)) AS cost,
       toString(countIf(NOT is_duplicate AND pricing_status = 'unpriced_unknown_model')) AS unpriced,
       toString(countIf(NOT is_duplicate AND is_failed AND pricing_status = 'unpriced_missing_usage')) AS failed_no_usage
     FROM ${db}.llm_calls_resolved(from = {from:String}, to = {to:String})
     GROUP BY day, provider, model`, p);
  const key = (r: { day: string; provider: string; model: string }) => `${r.day}|${r.provider}|${r.model}`;
  const led = new Map(ledger.map((r) => [key(r), r]));
  const invoicedProviders = new Set(invoice.map((r) => r.provider));
  const firstDay = period.from.slice(0, 10);
  const lastDay = new Date(period.toMs - 86_400_000).toISOString().slice(0, 10);
  const lines: ReconLine[] = [];
  const seen = new Set<string>();
  const consider = (day: string, provider: string, model: string, inv: bigint, l: (typeof ledger)[number] | undefined) => {
    const ledgerCost = BigInt(l?.cost ?? '0');
    const gap = inv - ledgerCost;
    const tolerance = (inv * BigInt(Math.round(tolerancePct * 1000))) / 100_000n;
    let category: ReconLine['category'] = 'within_tolerance';
    if ((gap < 0n ? -gap : gap) > tolerance) {
      if (l === undefined || ledgerCost === 0n && Number(l.unpriced) === 0) category = 'not_seen_by_ledger';
      else if (day === firstDay || day === lastDay) category = 'timing_at_period_boundary';
      else if (Number(l.unpriced) > 0) category = 'unpriced_models';
      else if (Number(l.failed_no_usage) > 0) category = 'failed_or_retried_calls';
      else category = 'rate_mismatch';
    }
    lines.push({ day, provider, model, invoiced_nano_usd: inv.toString(), ledger_nano_usd: ledgerCost.toString(), gap_nano_usd: gap.toString(), category });
  };
  for (const r of invoice) {
    seen.add(key(r));
    consider(r.day, r.provider, r.model, BigInt(r.cost), led.get(key(r)));
  }
  // Ledger spend of an invoiced provider that the invoice does not show (e.g. a model renamed on the bill).
  for (const r of ledger) if (!seen.has(key(r)) && invoicedProviders.has(r.provider) && BigInt(r.cost) !== 0n) consider(r.day, r.provider, r.model, 0n, r);

  const invoiced = invoice.reduce((s, r) => s + BigInt(r.cost), 0n);
  const ledgerTotal = ledger.filter((r) => invoicedProviders.has(r.provider)).reduce((s, r) => s + BigInt(r.cost), 0n);
  const gap = invoiced - ledgerTotal;
  const within = (gap < 0n ? -gap : gap) <= (invoiced * BigInt(Math.round(tolerancePct * 1000))) / 100_000n;
  const byCategory: Record<string, string> = {};
  for (const l of lines) if (l.category !== 'within_tolerance') byCategory[l.category] = (BigInt(byCategory[l.category] ?? '0') + BigInt(l.gap_nano_usd)).toString();
  return {
    period: period.label,
    tolerance_pct: tolerancePct,
    invoiced_nano_usd: invoiced.toString(),
    ledger_nano_usd: ledgerTotal.toString(),
    gap_nano_usd: gap.toString(),
    gap_pct: invoiced === 0n ? null : Number((gap * 10_000n) / invoiced) / 100,
    status: invoice.length === 0 ? 'no_invoice_imported' : within ? 'within_tolerance' : 'gap_exceeds_tolerance',
    summary: invoice.length === 0
      ? `no invoice lines for ${period.label}: import one first`
      : within
        ? `within tolerance: invoice ${dollars(invoiced)}, ledger ${dollars(ledgerTotal)} (±${tolerancePct}%)`
        : `gap of ${dollars(gap)} (${Number((gap * 10_000n) / (invoiced || 1n)) / 100}%): ${Object.entries(byCategory).map(([c, v]) => `${c.replace(/_/g, ' ')} ${dollars(BigInt(v))}`).join(', ')}`,
    gap_by_category_nano_usd: byCategory,
    lines: lines.filter((l) => l.category !== 'within_tolerance').concat(lines.filter((l) => l.category === 'within_tolerance')),
  };
}
