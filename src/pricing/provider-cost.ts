import type { Attributes } from '../pipeline';
import { parseScaled } from '../pipeline';

/**
 * Attributes carrying a cost the sender computed, in USD. The first present wins. LiteLLM
 * writes `gen_ai.cost.total_cost` (its v2 callback `litellm.cost.total`), Pydantic AI
 * `operation.cost`.
 */
export const PROVIDER_COST_ATTRIBUTES = ['spanledger.cost_usd', 'gen_ai.usage.cost', 'llm.cost.total', 'gen_ai.cost.total', 'gen_ai.cost.total_cost', 'litellm.cost.total', 'operation.cost'] as const;

/** The sender-reported cost in nano-USD, or null when absent or not a non-negative amount that fits Int64. */
export function providerReportedNanoUsd(attrs: Attributes): bigint | null {
  for (const key of PROVIDER_COST_ATTRIBUTES) {
    const v = attrs[key];
    if (v === undefined || v === '') continue;
    try {
      const nano = roundToNano(v);
      // Out of Int64 (the ledger column) is not a cost anyone was billed: unknown.
      return nano >= 0n && nano <= 9_223_372_036_854_775_807n ? nano : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** A USD decimal (possibly with more than 9 decimals, as floats print) rounded half-up to nano-USD. */
function roundToNano(raw: string): bigint {
  // A double printed by its sender may use exponent notation (5e-7): written out in full.
  const text = /e/i.test(raw) && Number.isFinite(Number(raw)) ? Number(raw).toFixed(20) : raw;
  const [int, frac = ''] = text.trim().split('.');
  if (!/^\d+$/.test(int ?? '') || !/^\d*$/.test(frac)) return parseScaled(text, 9);
  const nano = parseScaled(`${int}.${frac.slice(0, 9)}`, 9);
  return frac.length > 9 && Number(frac[9]) >= 5 ? nano + 1n : nano;
}
