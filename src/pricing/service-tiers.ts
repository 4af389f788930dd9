import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { issueLines, modelGlob, parseScaled } from '../pipeline';
import { PricesError } from './prices-error';
import { compileRates, decimal, instant, ratesSchema } from './rates-schema';
import { RATE_CLASSES, RATE_CLASS_NAMES } from './rate-classes';
import { scaleRates, type TokenRates } from './token-rates';

/** Tier names that mean the provider's standard price (OpenAI `default`/`auto`, Anthropic `standard`, none). */
const STANDARD_TIERS = new Set(['', 'default', 'standard', 'auto', 'on_demand']);

/** True when `tier` is billed at the standard (catalog) price. */
export function isStandardTier(tier: string): boolean {
  return STANDARD_TIERS.has(tier);
}

const tierSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be letters, digits, ".", "_" or "-"'),
    /** OTel provider names (`openai`, `anthropic`, `gcp.gemini`, ...). */
    providers: z.array(z.string().min(1)).min(1),
    /** Model names or globs, matched against the response model or the request model. */
    models: z.array(z.string().min(1)).min(1),
    /** The tier as spans report it (`batch`, `flex`, `priority`). */
    tier: z.string().regex(/^[a-z_]+$/, 'must be a lower-case tier name'),
    effectiveFrom: instant.optional(),
    effectiveTo: instant.optional(),
    /** The tier's token prices as a multiple of the standard ones (0.5: half); request and tool fees stay. */
    multiplier: decimal.optional(),
    /** Or the tier's own rates, merged over the standard ones. */
    rates: ratesSchema.optional(),
    /** The provider's page that publishes the price. */
    source: z.string().url(),
    /** When the source was read (YYYY-MM-DD). */
    checked: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
  })
  .strict()
  .superRefine((t, ctx) => {
    if ((t.multiplier === undefined) === (t.rates === undefined)) ctx.addIssue({ code: 'custom', message: 'needs exactly one of multiplier or rates' });
  });

/** The service-tier table: a version (the date of its last change) and its entries. */
export const serviceTiersSchema = z.object({ version: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'), tiers: z.array(tierSchema) }).strict();

export type ServiceTierEntry = z.infer<typeof tierSchema>;

/** The published tier prices, looked up by (provider, models, tier, instant). */
export interface ServiceTiers {
  readonly version: string;
  /** The tier price over `standard`, or undefined when no entry prices this tier. */
  priceAt(provider: string, models: readonly string[], tier: string, atMs: number, standard: TokenRates): { rates: TokenRates; id: string } | undefined;
}

/** The table shipped with spanledger (`prices/service-tiers.yaml`). */
export const SHIPPED_SERVICE_TIERS = path.resolve(__dirname, '..', '..', '..', 'prices', 'service-tiers.yaml');

const SCALE = 1_000_000_000_000n;

/** The token classes of `rates`: a tier discount is on tokens; request, tool and page fees stay. */
function tokenClasses(rates: TokenRates): TokenRates {
  const out: TokenRates = {};
  for (const c of RATE_CLASS_NAMES) if (RATE_CLASSES[c].per === 1_000_000 && rates[c] !== undefined) out[c] = rates[c];
  return out;
}

/** Reads and compiles a service-tier table. Throws PricesError naming the entry and field. */
export function loadServiceTiers(file: string = SHIPPED_SERVICE_TIERS): ServiceTiers {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PricesError(`cannot read service tiers ${file}: ${(err as Error).message}`);
  }
  const parsed = serviceTiersSchema.safeParse(doc);
  if (!parsed.success) {
    throw new PricesError(`invalid service tiers ${file}:\n${issueLines(parsed.error.issues, { whole: '(top level)' }).map((l) => `  ${l}`).join('\n')}`);
  }
  const entries = parsed.data.tiers.map((t) => ({
    t,
    globs: t.models.map(modelGlob),
    rates: t.rates === undefined ? undefined : compileRates(t.rates),
    factor: t.multiplier === undefined ? undefined : parseScaled(t.multiplier, 12),
  }));
  return {
    version: parsed.data.version,
    priceAt(provider, models, tier, atMs, standard) {
      for (const e of entries) {
        if (e.t.tier !== tier || !e.t.providers.includes(provider)) continue;
        if (e.t.effectiveFrom !== undefined && atMs < e.t.effectiveFrom) continue;
        if (e.t.effectiveTo !== undefined && atMs >= e.t.effectiveTo) continue;
        if (!models.some((m) => m !== '' && e.globs.some((g) => g.test(m)))) continue;
        const rates = e.factor !== undefined ? { ...standard, ...scaleRates(tokenClasses(standard), e.factor, SCALE) } : { ...standard, ...e.rates };
        return { rates, id: e.t.id };
      }
      return undefined;
    },
  };
}

let shipped: ServiceTiers | undefined;

/** The shipped service-tier table, read once per process. */
export function shippedServiceTiers(): ServiceTiers {
  shipped ??= loadServiceTiers(SHIPPED_SERVICE_TIERS);
  return shipped;
}
