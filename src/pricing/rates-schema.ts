import { z } from 'zod';
import { parseScaled } from '../pipeline';
import { RATE_CLASS_NAMES, type RateClass } from './rate-classes';
import type { Rate, TokenRates } from './token-rates';

/** A non-negative decimal (string or number) with at most 12 decimals, kept as text. */
export const decimal = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .pipe(z.string().regex(/^\d+(\.\d{1,12})?$/, 'must be a non-negative decimal with at most 12 decimals'));

/** A price for its class's block (USD per million tokens, per thousand requests...), flat or with long-context tiers. */
export const rateSchema = z.union([
  decimal,
  z
    .object({
      base: decimal,
      tiers: z.array(z.object({ aboveInputTokens: z.number().int().nonnegative(), rate: decimal }).strict()).min(1),
    })
    .strict(),
]);

export type RateInput = z.infer<typeof rateSchema>;

/** Rates by class name (`input`, `cacheRead`, `cacheWrite1h`, `reasoning`, `webSearch`, `request`, ...). */
export const ratesSchema = z
  .object(Object.fromEntries(RATE_CLASS_NAMES.map((c) => [c, rateSchema.optional()])) as Record<RateClass, z.ZodOptional<typeof rateSchema>>)
  .strict();

/** An instant: `YYYY-MM-DD` (00:00 UTC) or an ISO timestamp with its offset; milliseconds since the epoch. */
export const instant = z
  .union([z.string(), z.date()])
  .transform((v, ctx) => {
    const ms = v instanceof Date ? v.getTime() : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `not a date: '${String(v)}' (use YYYY-MM-DD, UTC, or an ISO timestamp)` });
      return z.NEVER;
    }
    return ms;
  });

/** A validated rate to pico-USD per block (times 10^12). */
export function compileRate(r: RateInput | undefined): Rate | undefined {
  if (r === undefined) return undefined;
  if (typeof r === 'string') return { base: parseScaled(r, 12), tiers: [] };
  return { base: parseScaled(r.base, 12), tiers: r.tiers.map((t) => ({ aboveInputTokens: t.aboveInputTokens, rate: parseScaled(t.rate, 12) })).sort((a, b) => a.aboveInputTokens - b.aboveInputTokens) };
}

/** Validated rates to compiled ones. */
export function compileRates(r: Partial<Record<RateClass, RateInput>>): TokenRates {
  const out: TokenRates = {};
  for (const c of RATE_CLASS_NAMES) {
    const v = compileRate(r[c]);
    if (v !== undefined) out[c] = v;
  }
  return out;
}
