import type { Period } from './period';
import type { ReportLedger } from './ports';

/** One price the period's calls got. */
export interface PriceLine {
  provider: string;
  model: string;
  /** `catalog`, `override`, or empty for calls that got no price. */
  source: string;
  /** The stored price version, as the pricer wrote it on each call. */
  price_version: string;
  /** The catalog and its release (`genai-prices@0.1.8`), when the price is the catalog's or an override on top of it. */
  catalog: string;
  /** The catalog entry (`openai/gpt-4o@base`). */
  catalog_entry: string;
  /** The override's id, when an override priced the calls. */
  override: string;
  /** Ids of the corrections applied to the catalog entry. */
  corrections: string[];
  /** The service tier's price id, when the tier had its own price. */
  tier: string;
  pricing_status: string;
  calls: number;
  billed_nano_usd: string;
}

/** The prices report: the price each model got, and the re-rating adjustments of the period's calls. */
export interface PricesReport {
  period: string;
  lines: PriceLine[];
  adjustments: { provider: string; model: string; from_version: string; to_version: string; reason: string; calls: number; delta_nano_usd: string }[];
}

/**
 * Splits a stored price version into where the price came from: `override:ID`, the catalog
 * part `genai-prices@RELEASE:PROVIDER/MODEL@LABEL`, then `+correction:ID` and `+tier:ID`
 * parts, in any combination the price book writes.
 */
export function priceOrigin(version: string): Pick<PriceLine, 'source' | 'catalog' | 'catalog_entry' | 'override' | 'corrections' | 'tier'> {
  const out = { source: '', catalog: '', catalog_entry: '', override: '', corrections: [] as string[], tier: '' };
  if (version === '') return out;
  for (const part of version.split('+')) {
    const colon = part.indexOf(':');
    const head = colon < 0 ? part : part.slice(0, colon);
    const rest = colon < 0 ? '' : part.slice(colon + 1);
    if (head === 'override') out.override = rest;
    else if (head === 'correction') out.corrections.push(rest);
    else if (head === 'tier') out.tier = rest;
    else if (head.includes('@')) {
      out.catalog = head;
      out.catalog_entry = rest;
    }
  }
  out.source = out.override !== '' ? 'override' : out.catalog !== '' ? 'catalog' : 'other';
  return out;
}

/** The prices report for a period; the caller runs the mark resolver first (duplicates are not counted). */
export async function prices(ledger: ReportLedger, period: Period): Promise<PricesReport> {
  const p = { from: period.from, to: period.to };
  const [inUse, adjustments] = await Promise.all([ledger.pricesInUse(p), ledger.priceAdjustments(p)]);
  return {
    period: period.label,
    lines: inUse.map((r) => ({
      provider: r.provider!, model: r.model!, ...priceOrigin(r.version!), price_version: r.version!, pricing_status: r.status!,
      calls: Number(r.calls), billed_nano_usd: r.billed!,
    })),
    adjustments: adjustments.map((r) => ({
      provider: r.provider!, model: r.model!, from_version: r.from_version!, to_version: r.to_version!, reason: r.reason!,
      calls: Number(r.calls), delta_nano_usd: r.delta!,
    })),
  };
}
