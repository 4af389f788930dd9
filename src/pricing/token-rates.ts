import { divRound } from '../pipeline';

/**
 * Price of one token in atto-USD (1e-18 USD), which holds any rate quoted per million
 * tokens with up to 12 decimals exactly. A tiered rate switches, for the whole call, to the
 * rate of the highest tier whose threshold the call's total input tokens exceed.
 */
export interface Rate {
  base: bigint;
  tiers: { aboveInputTokens: number; rate: bigint }[];
}

/** The rates of one price book entry, by token class. Undefined: the class is not priced. */
export interface TokenRates {
  input?: Rate;
  cacheRead?: Rate;
  cacheWrite?: Rate;
  output?: Rate;
  /** Reasoning tokens; when absent they are billed at the output rate. */
  reasoning?: Rate;
}

const ATTO_PER_NANO = 1_000_000_000n;

/** The per-token rate in force for a call with `totalInputTokens`. */
export function rateFor(rate: Rate, totalInputTokens: number): bigint {
  let r = rate.base;
  for (const t of rate.tiers) if (totalInputTokens > t.aboveInputTokens) r = t.rate;
  return r;
}

/** Cost of `tokens` at `rate`, rounded half-up to the nano-USD. */
export function costNano(tokens: number, rate: Rate | undefined, totalInputTokens: number): bigint {
  if (rate === undefined || tokens <= 0) return 0n;
  return divRound(BigInt(tokens) * rateFor(rate, totalInputTokens), ATTO_PER_NANO);
}

/** Scales every rate by `numerator / denominator` (discounts, multipliers), exactly rounded. */
export function scaleRates(rates: TokenRates, numerator: bigint, denominator: bigint): TokenRates {
  const scale = (r: Rate | undefined): Rate | undefined =>
    r === undefined
      ? undefined
      : { base: divRound(r.base * numerator, denominator), tiers: r.tiers.map((t) => ({ aboveInputTokens: t.aboveInputTokens, rate: divRound(t.rate * numerator, denominator) })) };
  return {
    input: scale(rates.input),
    cacheRead: scale(rates.cacheRead),
    cacheWrite: scale(rates.cacheWrite),
    output: scale(rates.output),
    reasoning: scale(rates.reasoning),
  };
}
