import { dollars } from './money-format';
import type { Period } from './period';
import type { LedgerRow, ReportLedger } from './ports';

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

/**
 * The order explanations are tried in, first match wins: the ledger never saw the calls; it
 * saw them but has no price for the model; failed calls without usage; a rate mismatch that
 * shows on the family's other days too; timing at the period's edge; otherwise a rate
 * mismatch on that day.
 */
export const EXPLANATION_ORDER: readonly GapCategory[] = ['not_seen_by_ledger', 'unpriced_models', 'failed_or_retried_calls', 'rate_mismatch', 'timing_at_period_boundary'];

/**
 * Compares imported invoices with the ledger's billed cost per provider, model family and
 * day. The whole period is within tolerance when |gap| <= tolerance% of the invoice; each
 * line out of tolerance is explained in `EXPLANATION_ORDER`: not seen by the ledger (no
 * calls at all); unpriced models; failed calls without usage; a rate mismatch when the
 * family's days inside the period (not its first or last) are out of tolerance in the same
 * direction; timing at the period boundary only on the first or last day and only when the
 * family's calls within `boundaryHours` of that edge (either side) cost at least the gap;
 * otherwise a rate mismatch. Totals are exact nano-USD.
 */
export async function reconcile(ledger: ReportLedger, period: Period, tolerancePct: number, boundaryHours: number) {
  const p = { from: period.from, to: period.to };
  const [invoice, rows] = await Promise.all([ledger.invoiceByDay(p), ledger.ledgerByDay(p, boundaryHours)]);
  const firstDay = period.from.slice(0, 10);
  const lastDay = new Date(period.toMs - 86_400_000).toISOString().slice(0, 10);
  // Rows of days outside the period carry only the cost near its edges.
  const ledger0 = rows.filter((r) => r.day! >= firstDay && r.day! <= lastDay);
  const near = new Map<string, { start: bigint; end: bigint }>();
  for (const r of rows) {
    const k = `${r.provider}|${r.model}`;
    const n = near.get(k) ?? { start: 0n, end: 0n };
    n.start += BigInt(r.near_start ?? '0');
    n.end += BigInt(r.near_end ?? '0');
    near.set(k, n);
  }
  const key = (r: LedgerRow) => `${r.day}|${r.provider}|${r.model}`;
  const led = new Map(ledger0.map((r) => [key(r), r]));
  const invoicedProviders = new Set(invoice.map((r) => r.provider));
  const abs = (v: bigint) => (v < 0n ? -v : v);
  const outOf = (inv: bigint, gap: bigint) => abs(gap) > (inv * BigInt(Math.round(tolerancePct * 1000))) / 100_000n;
  // The days to compare: every invoice line, and ledger spend of an invoiced provider that the
  // invoice does not show (e.g. a model renamed on the bill).
  const pairs: { day: string; provider: string; model: string; inv: bigint; l: LedgerRow | undefined }[] = [];
  const seen = new Set<string>();
  for (const r of invoice) {
    seen.add(key(r));
    pairs.push({ day: r.day!, provider: r.provider!, model: r.model!, inv: BigInt(r.cost!), l: led.get(key(r)) });
  }
  for (const r of ledger0) if (!seen.has(key(r)) && invoicedProviders.has(r.provider) && BigInt(r.cost!) !== 0n) pairs.push({ day: r.day!, provider: r.provider!, model: r.model!, inv: 0n, l: r });
  // Families whose days inside the period are out of tolerance, by the gap's sign: a rate
  // mismatch shows every day, timing only at an edge.
  const systematic = new Set<string>();
  for (const x of pairs) {
    const gap = x.inv - BigInt(x.l?.cost ?? '0');
    if (x.day !== firstDay && x.day !== lastDay && x.l !== undefined && outOf(x.inv, gap)) systematic.add(`${x.provider}|${x.model}|${gap > 0n}`);
  }
  const lines: ReconLine[] = [];
  for (const { day, provider, model, inv, l } of pairs) {
    const ledgerCost = BigInt(l?.cost ?? '0');
    const gap = inv - ledgerCost;
    let category: ReconLine['category'] = 'within_tolerance';
    if (outOf(inv, gap)) {
      const edge = near.get(`${provider}|${model}`);
      const nearEdge = day === firstDay && day === lastDay ? (edge?.start ?? 0n) + (edge?.end ?? 0n) : day === firstDay ? edge?.start ?? 0n : day === lastDay ? edge?.end ?? 0n : 0n;
      if (l === undefined || (ledgerCost === 0n && Number(l.unpriced) === 0 && Number(l.failed_no_usage) === 0)) category = 'not_seen_by_ledger';
      else if (Number(l.unpriced) > 0) category = 'unpriced_models';
      else if (Number(l.failed_no_usage) > 0) category = 'failed_or_retried_calls';
      else if (systematic.has(`${provider}|${model}|${gap > 0n}`)) category = 'rate_mismatch';
      else if ((day === firstDay || day === lastDay) && nearEdge > 0n && abs(gap) <= nearEdge) category = 'timing_at_period_boundary';
      else category = 'rate_mismatch';
    }
    lines.push({ day, provider, model, invoiced_nano_usd: inv.toString(), ledger_nano_usd: ledgerCost.toString(), gap_nano_usd: gap.toString(), category });
  }

  const invoiced = invoice.reduce((s, r) => s + BigInt(r.cost!), 0n);
  const ledgerTotal = ledger0.filter((r) => invoicedProviders.has(r.provider)).reduce((s, r) => s + BigInt(r.cost!), 0n);
  const gap = invoiced - ledgerTotal;
  const within = (gap < 0n ? -gap : gap) <= (invoiced * BigInt(Math.round(tolerancePct * 1000))) / 100_000n;
  const byCategory: Record<string, string> = {};
  for (const l of lines) if (l.category !== 'within_tolerance') byCategory[l.category] = (BigInt(byCategory[l.category] ?? '0') + BigInt(l.gap_nano_usd)).toString();
  return {
    period: period.label,
    tolerance_pct: tolerancePct,
    boundary_window_hours: boundaryHours,
    explanation_order: EXPLANATION_ORDER,
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
