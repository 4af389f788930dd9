import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Catalog } from './catalog';
import { modelGlob, parseScaled } from '../pipeline';
import { overridesSchema, type PriceOverride, type RateInput } from './overrides-schema';
import { scaleRates, type Rate, type TokenRates } from './token-rates';

/** The price that applies to one call, with its evidence. */
export interface PriceEntry {
  rates: TokenRates;
  source: 'catalog' | 'override';
  version: string;
}

/** What to price: the call's provider, models, tier and start time. */
export interface PriceQuery {
  provider: string;
  /** Response model first (more specific), then request model. */
  models: readonly string[];
  serviceTier: string;
  atMs: number;
}

/** Catalog plus local overrides, each effective-dated. */
export interface PriceBook {
  readonly catalogVersion: string;
  readonly overrideCount: number;
  lookup(q: PriceQuery): PriceEntry | undefined;
}

/** A prices file that cannot be used; the message names the override and field. */
export class PricesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PricesError';
  }
}

interface CompiledOverride {
  o: PriceOverride;
  model: RegExp;
  rates: TokenRates | undefined;
  /** Applied to catalog or own rates: discount and multiplier, as numerator / denominator. */
  factor: [bigint, bigint] | undefined;
}

const SCALE = 1_000_000_000_000n;

/** Reads and validates an overrides file. Throws PricesError. */
export function loadOverrides(path: string): PriceOverride[] {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8')) ?? {};
  } catch (err) {
    throw new PricesError(`cannot read prices ${path}: ${(err as Error).message}`);
  }
  const result = overridesSchema.safeParse(doc);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const [, index, ...rest] = i.path;
      const entry = typeof index === 'number' ? (doc as { overrides?: { id?: unknown }[] }).overrides?.[index] : undefined;
      const where = typeof index === 'number' ? `overrides[${index}]${typeof entry?.id === 'string' ? ` "${entry.id}"` : ''}` : i.path.join('.') || '(top level)';
      return `  ${where}${rest.length ? `: ${rest.join('.')}` : ''}: ${i.message}`;
    });
    throw new PricesError(`invalid prices ${path}:\n${lines.join('\n')}`);
  }
  return result.data.overrides;
}

/** Builds the price book; override globs and rates are compiled once here. */
export function createPriceBook(catalog: Catalog, overrides: readonly PriceOverride[]): PriceBook {
  const compiled: CompiledOverride[] = overrides.map((o) => ({
    o,
    model: modelGlob(o.model),
    rates: o.rates === undefined ? undefined : {
      input: rate(o.rates.input),
      cacheRead: rate(o.rates.cacheRead),
      cacheWrite: rate(o.rates.cacheWrite),
      output: rate(o.rates.output),
      reasoning: rate(o.rates.reasoning),
    },
    factor: factorOf(o),
  }));
  // Which overrides can apply to a (provider, model, tier) is fixed; only dates vary per call.
  const candidates = new Map<string, CompiledOverride[]>();
  const candidatesFor = (provider: string, model: string, tier: string): CompiledOverride[] => {
    const key = `${provider}\u0000${model}\u0000${tier}`;
    let list = candidates.get(key);
    if (list === undefined) {
      list = compiled.filter((c) => (c.o.provider === '*' || c.o.provider === provider) && c.model.test(model) && (c.o.serviceTier === undefined || c.o.serviceTier === tier));
      if (candidates.size >= 10_000) candidates.clear();
      candidates.set(key, list);
    }
    return list;
  };

  return {
    catalogVersion: catalog.version,
    overrideCount: compiled.length,
    lookup(q) {
      for (const model of q.models) {
        if (model === '') continue;
        for (const c of candidatesFor(q.provider, model, q.serviceTier)) {
          if (c.o.effectiveFrom !== undefined && q.atMs < c.o.effectiveFrom) continue;
          if (c.o.effectiveTo !== undefined && q.atMs >= c.o.effectiveTo) continue;
          let rates = c.rates;
          let version = `override:${c.o.id}`;
          if (rates === undefined) {
            const base = catalog.priceAt(q.provider, model, q.atMs);
            if (base === undefined) continue;
            rates = base.rates;
            version = `${version}+${base.version}`;
          }
          if (c.factor !== undefined) rates = scaleRates(rates, c.factor[0], c.factor[1]);
          return { rates, source: 'override', version };
        }
        const base = catalog.priceAt(q.provider, model, q.atMs);
        if (base !== undefined) return { rates: base.rates, source: 'catalog', version: base.version };
      }
      return undefined;
    },
  };
}

/** USD per million tokens to atto-USD per token (times 10^12). */
function rate(r: RateInput | undefined): Rate | undefined {
  if (r === undefined) return undefined;
  if (typeof r === 'string') return { base: parseScaled(r, 12), tiers: [] };
  return { base: parseScaled(r.base, 12), tiers: r.tiers.map((t) => ({ aboveInputTokens: t.aboveInputTokens, rate: parseScaled(t.rate, 12) })) };
}

function factorOf(o: PriceOverride): [bigint, bigint] | undefined {
  if (o.discountPercent === undefined && o.multiplier === undefined) return undefined;
  let num = SCALE;
  let den = SCALE;
  if (o.discountPercent !== undefined) {
    num = (100n * SCALE - parseScaled(o.discountPercent, 12)) / 100n;
  }
  if (o.multiplier !== undefined) {
    num *= parseScaled(o.multiplier, 12);
    den *= SCALE;
  }
  return [num, den];
}
