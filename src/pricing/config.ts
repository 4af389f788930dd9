import { z } from 'zod';

/** Pricing settings: the overrides file and which cost is billed. */
export const pricingConfigSchema = z
  .object({
    /** Local price overrides (YAML): negotiated rates, discounts, self-hosted models. */
    prices: z.string().min(1).optional(),
    /**
     * Which cost is billed: `computed` (our price book), `provider_reported` (the cost the
     * span reports, when it does), or `computed_or_reported` (ours; the reported one only
     * when we cannot price the call).
     */
    /** How often the prices file is checked for changes. */
    pricesPollMs: z.coerce.number().int().min(0).default(1000),
    billing: z.enum(['computed', 'provider_reported', 'computed_or_reported']).default('computed_or_reported'),
  })
  .strict();

export type PricingConfig = z.infer<typeof pricingConfigSchema>;
