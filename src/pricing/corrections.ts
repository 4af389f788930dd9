import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PricesError } from './prices-error';
import { compileRates, instant, ratesSchema } from './rates-schema';
import type { TokenRates } from './token-rates';
import { issueLines } from '../pipeline';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (UTC)');

const correctionSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be letters, digits, ".", "_" or "-"'),
    /** The catalog's provider id (`deepseek`, `anthropic`, `google`, ...). */
    provider: z.string().min(1),
    /** The catalog's model id the correction applies to (every name that resolves to it). */
    model: z.string().min(1),
    /** In force from this instant (inclusive; a date is 00:00 UTC; a timestamp may be any time of day). */
    effectiveFrom: instant.optional(),
    /** In force until this instant (exclusive). */
    effectiveTo: instant.optional(),
    /** Rates merged over the catalog's: the classes given replace the catalog's, the others stay. */
    rates: ratesSchema,
    /** UTC time-of-day windows with their own rates (merged over `rates`); start inclusive, end exclusive. */
    windows: z.array(z.object({ fromUtc: hhmm, toUtc: hhmm, rates: ratesSchema }).strict()).optional(),
    /** Where the corrected price is published. */
    source: z.string().url(),
    /** When the source was read (YYYY-MM-DD). */
    checked: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
    /** What the catalog gets wrong. */
    note: z.string().min(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.effectiveFrom !== undefined && c.effectiveTo !== undefined && c.effectiveTo <= c.effectiveFrom) {
      ctx.addIssue({ code: 'custom', path: ['effectiveTo'], message: 'must be after effectiveFrom' });
    }
  });

/** The corrections file: a version (the date of its last change) and its entries. */
export const correctionsSchema = z
  .object({ version: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'), corrections: z.array(correctionSchema) })
  .strict();

export type Correction = z.infer<typeof correctionSchema>;

/** A correction ready to apply: `ratesAt` gives its rates in force at an instant, or undefined. */
export interface CompiledCorrection {
  readonly id: string;
  readonly provider: string;
  readonly model: string;
  readonly entry: Correction;
  ratesAt(atMs: number): TokenRates | undefined;
}

/** The corrections shipped with spanledger (`prices/corrections.yaml` in the repository). */
export const SHIPPED_CORRECTIONS = path.resolve(__dirname, '..', '..', '..', 'prices', 'corrections.yaml');

/** Reads, validates and compiles a corrections file. Throws PricesError naming the entry and field. */
export function loadCorrections(file: string = SHIPPED_CORRECTIONS): { version: string; entries: CompiledCorrection[] } {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PricesError(`cannot read corrections ${file}: ${(err as Error).message}`);
  }
  const parsed = correctionsSchema.safeParse(doc);
  if (!parsed.success) {
    const lines = issueLines(parsed.error.issues, { whole: '(top level)' }).map((l) => `  ${l}`);
    throw new PricesError(`invalid corrections ${file}:\n${lines.join('\n')}`);
  }
  return { version: parsed.data.version, entries: parsed.data.corrections.map(compileCorrection) };
}

function minutes(hhmmText: string): number {
  const [h, m] = hhmmText.split(':');
  return Number(h) * 60 + Number(m);
}

function compileCorrection(c: Correction): CompiledCorrection {
  const rates = compileRates(c.rates);
  const windows = (c.windows ?? []).map((w) => ({ from: minutes(w.fromUtc), to: minutes(w.toUtc), rates: { ...rates, ...compileRates(w.rates) } }));
  return {
    id: c.id,
    provider: c.provider,
    model: c.model,
    entry: c,
    ratesAt(atMs) {
      if (c.effectiveFrom !== undefined && atMs < c.effectiveFrom) return undefined;
      if (c.effectiveTo !== undefined && atMs >= c.effectiveTo) return undefined;
      const minute = Math.floor((((atMs % 86_400_000) + 86_400_000) % 86_400_000) / 60_000);
      for (const w of windows) {
        const inside = w.to < w.from ? minute >= w.from || minute < w.to : minute >= w.from && minute < w.to;
        if (inside) return w.rates;
      }
      return rates;
    },
  };
}

let shipped: { version: string; entries: CompiledCorrection[] } | undefined;

/** The shipped corrections, read once per process. */
export function shippedCorrections(): { version: string; entries: CompiledCorrection[] } {
  shipped ??= loadCorrections(SHIPPED_CORRECTIONS);
  return shipped;
}
