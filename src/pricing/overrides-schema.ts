import { z } from 'zod';

const decimal = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .pipe(z.string().regex(/^\d+(\.\d{1,12})?$/, 'must be a non-negative decimal with at most 12 decimals'));

/** USD per million tokens, flat or with long-context tiers. */
const rateSchema = z.union([
  decimal,
  z
    .object({
      base: decimal,
      tiers: z.array(z.object({ aboveInputTokens: z.number().int().nonnegative(), rate: decimal }).strict()).min(1),
    })
    .strict(),
]);

const instant = z
  .union([z.string(), z.date()])
  .transform((v, ctx) => {
    const ms = v instanceof Date ? v.getTime() : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `not a date: '${String(v)}' (use YYYY-MM-DD, UTC, or an ISO timestamp)` });
      return z.NEVER;
    }
    return ms;
  });

const overrideSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be letters, digits, ".", "_" or "-"'),
    /** OTel provider name (`openai`, `anthropic`, `gcp.vertex_ai`, ...) or `*`. */
    provider: z.string().min(1),
    /** Model name or glob (`gpt-4o*`); matched against the response model, then the request model. */
    model: z.string().min(1),
    /** Only calls on this service tier (`batch`, `flex`, `priority`). */
    serviceTier: z.string().min(1).optional(),
    /** In force from this instant (inclusive; a date means 00:00 UTC). */
    effectiveFrom: instant.optional(),
    /** In force until this instant (exclusive). */
    effectiveTo: instant.optional(),
    /** Percent off the catalog price (needs the model in the catalog). */
    discountPercent: z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(/^\d{1,3}(\.\d{1,6})?$/, 'must be a percentage')).optional(),
    /** Absolute rates in USD per million tokens; reasoning defaults to output. */
    rates: z
      .object({ input: rateSchema.optional(), cacheRead: rateSchema.optional(), cacheWrite: rateSchema.optional(), output: rateSchema.optional(), reasoning: rateSchema.optional() })
      .strict()
      .refine((r) => r.input !== undefined || r.output !== undefined, 'needs at least an input or an output rate')
      .optional(),
    /** Internal transfer multiplier applied on top (e.g. 1.1 for a 10% platform fee). */
    multiplier: decimal.optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.discountPercent === undefined && o.rates === undefined && o.multiplier === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs rates, discountPercent or multiplier' });
    }
    if (o.discountPercent !== undefined && o.rates !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['discountPercent'], message: 'give either rates or discountPercent, not both' });
    }
    if (o.discountPercent !== undefined && Number(o.discountPercent) > 100) {
      ctx.addIssue({ code: 'custom', path: ['discountPercent'], message: 'must be at most 100' });
    }
    if (o.effectiveFrom !== undefined && o.effectiveTo !== undefined && o.effectiveTo <= o.effectiveFrom) {
      ctx.addIssue({ code: 'custom', path: ['effectiveTo'], message: 'must be after effectiveFrom' });
    }
  });

/** The local price overrides file. The first override in force that matches a call wins. */
export const overridesSchema = z
  .object({ overrides: z.array(overrideSchema).default([]) })
  .strict()
  .superRefine((doc, ctx) => {
    const seen = new Set<string>();
    doc.overrides.forEach((o, i) => {
      if (seen.has(o.id)) ctx.addIssue({ code: 'custom', path: ['overrides', i, 'id'], message: `duplicate override id "${o.id}"` });
      seen.add(o.id);
    });
  });

export type PriceOverride = z.infer<typeof overrideSchema>;
export type RateInput = z.infer<typeof rateSchema>;
