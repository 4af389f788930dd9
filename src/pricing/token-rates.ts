import { divRound } from '../pipeline';
import { RATE_CLASSES, RATE_CLASS_NAMES, type RateClass } from './rate-classes';

/**
 * A price in pico-USD (1e-12 USD) per block of its class's `per` units (per million tokens,
 * per thousand requests, per hour of audio): any price quoted with up to 12 decimals is held
 * exactly. A tiered rate switches, for the whole call, to the rate of the highest tier whose
 * threshold the call's total input tokens exceed.
 */
export interface Rate {
  base: bigint;
  tiers: { aboveInputTokens: number; rate: bigint }[];
  /** Units billed at least, when any are used (Groq bills transcription for 10 seconds at least). */
  minUnits?: bigint;
}

/** The rates of one price book entry, by class. A missing class falls back to its parent's rate. */
export type TokenRates = Partial<Record<RateClass, Rate>>;

const PICO_PER_NANO = 1_000n;

/** The rate in force for a call with `totalInputTokens`. */
export function rateFor(rate: Rate, totalInputTokens: number | bigint): bigint {
  const total = BigInt(totalInputTokens);
  let r = rate.base;
  for (const t of rate.tiers) if (total > BigInt(t.aboveInputTokens)) r = t.rate;
  return r;
}

/** The rate that bills `cls` in `rates`: its own, else its fallback chain's. */
export function effectiveRate(rates: TokenRates, cls: RateClass): Rate | undefined {
  let c: RateClass | undefined = cls;
  while (c !== undefined) {
    const r = rates[c];
    if (r !== undefined) return r;
    c = RATE_CLASSES[c].fallback;
  }
  return undefined;
}

/** Cost of `units` of `cls` at `rate`, rounded half-up to the nano-USD. */
export function costNano(units: bigint, rate: Rate | undefined, totalInputTokens: bigint, cls: RateClass = 'input'): bigint {
  if (rate === undefined || units <= 0n) return 0n;
  const billed = rate.minUnits !== undefined && units < rate.minUnits ? rate.minUnits : units;
  return divRound(billed * rateFor(rate, totalInputTokens), BigInt(RATE_CLASSES[cls].per) * PICO_PER_NANO);
}

/** Scales every rate by `numerator / denominator` (discounts, multipliers), exactly rounded. */
export function scaleRates(rates: TokenRates, numerator: bigint, denominator: bigint): TokenRates {
  const out: TokenRates = {};
  for (const c of RATE_CLASS_NAMES) {
    const r = rates[c];
    if (r !== undefined) {
      out[c] = { ...r, base: divRound(r.base * numerator, denominator), tiers: r.tiers.map((t) => ({ aboveInputTokens: t.aboveInputTokens, rate: divRound(t.rate * numerator, denominator) })) };
    }
  }
  return out;
}

/** `over`'s classes replace `base`'s; the others stay. */
export function mergeRates(base: TokenRates, over: TokenRates): TokenRates {
  return { ...base, ...over };
}
