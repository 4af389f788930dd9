import type { Period } from './period';
import type { ReportLedger } from './ports';

/** How far the ledger can be trusted for a period. Ratios are 0..1. */
export interface QualityReport {
  period: string;
  calls: number;
  /** The period's billed cost (the ledger's one definition), nano-USD. */
  billed_nano_usd: string;
  resolved_team_ratio: number;
  session_id_ratio: number;
  unallocated_spend_ratio: number;
  unallocated_spend_pct: number;
  /** Calls without a cost, for any reason (the sum of the three below and calls whose cost did not fit). */
  unpriced_calls: number;
  /** Models with usage but no price: add them to the prices file, then re-rate. */
  unpriced_models: { provider: string; model: string; calls: number }[];
  /** Calls that reported no usage, so nothing could be priced (not a missing price). */
  calls_without_usage: number;
  /** Of those, failed calls (an error before the provider counted tokens). */
  failed_calls_without_usage: number;
  ownership_conflicts: number;
  duplicates_removed: number;
  unmapped_llm_spans: number;
  reconciliation_gap_nano_usd: string | null;
}

/**
 * Data-quality figures of a period, from the ledger's daily rollup (duplicates excluded from
 * the shares; the caller runs the mark resolver first, so it is current). A call without
 * usage is counted as such, never as a model without a price.
 */
export async function quality(ledger: ReportLedger, period: Period): Promise<QualityReport> {
  const p = { from: period.from, to: period.to };
  const [m, unmapped, models, invoice] = await Promise.all([ledger.qualityTotals(p), ledger.unmappedLlmSpans(p), ledger.unpricedModels(p), ledger.invoiceTotal(p)]);
  const calls = Number(m.calls ?? 0);
  const spend = BigInt(m.spend ?? '0');
  const unallocated = BigInt(m.unallocated ?? '0');
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const unallocatedRatio = spend === 0n ? 0 : Number((unallocated * 1_000_000n) / spend) / 1_000_000;
  return {
    period: period.label,
    calls,
    billed_nano_usd: spend.toString(),
    resolved_team_ratio: ratio(Number(m.resolved ?? 0), calls),
    session_id_ratio: ratio(Number(m.with_session ?? 0), calls),
    unallocated_spend_ratio: unallocatedRatio,
    unallocated_spend_pct: Math.round(unallocatedRatio * 10_000) / 100,
    unpriced_calls: Number(m.unpriced ?? 0),
    unpriced_models: models.map((x) => ({ provider: x.provider!, model: x.model!, calls: Number(x.calls) })),
    calls_without_usage: Number(m.missing_usage ?? 0),
    failed_calls_without_usage: Number(m.failed_missing_usage ?? 0),
    ownership_conflicts: Number(m.conflicts ?? 0),
    duplicates_removed: Number(m.duplicates ?? 0),
    unmapped_llm_spans: unmapped,
    reconciliation_gap_nano_usd: Number(invoice.n ?? 0) === 0 ? null : (BigInt(invoice.invoiced ?? '0') - spend).toString(),
  };
}
