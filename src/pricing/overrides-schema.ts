import { z } from 'zod';
import { decimal, instant, ratesSchema } from './rates-schema';

const overrideSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be letters, digits, ".", "_" or "-"'),
    /** OTel provider name (`openai`, `anthropic`, `gcp.vertex_ai`, ...) or `*`. */
    provider: z.string().min(1),
    /** Model name or glob (`gpt-4o*`); the override applies when it matches the response model or the request model. */
    model: z.string().min(1),
    /** Only calls on this service tier (`batch`, `flex`, `priority`). */
    serviceTier: z.string().min(1).optional(),
    /** In force from this instant (inclusive; a date means 00:00 UTC). */
    effectiveFrom: instant.optional(),
    /** In force until this instant (exclusive). */
    effectiveTo: instant.optional(),
    /** Percent off the catalog price (needs the model in the catalog). */
    discountPercent: z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(/^\d{1,3}(\.\d{1,6})?$/, 'must be a percentage')).optional(),
    /** Absolute rates (USD per million tokens, per thousand requests or searches, per hour); a class left out bills at its parent's rate. */
    rates: ratesSchema.refine((r) => r.input !== undefined || r.output !== undefined, 'needs at least an input or an output rate').optional(),
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
export type { RateInput } from './rates-schema';
