import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Catalog, CatalogPrice } from './catalog';
import { issueLines, issuePath, modelGlob, parseScaled } from '../pipeline';
import { overridesSchema, type PriceOverride } from './overrides-schema';
import { PricesError } from './prices-error';
import { compileRates } from './rates-schema';
import { isStandardTier, shippedServiceTiers, type ServiceTiers } from './service-tiers';
import { scaleRates, type TokenRates } from './token-rates';

/** The price that applies to one call, with its evidence. */
export interface PriceEntry {
  rates: TokenRates;
  source: 'catalog' | 'override';
  version: string;
  /**
   * Set when the call ran on a service tier (`priority`, `scale`, ...) that no override and no
   * entry of the tier table prices: `rates` are then the standard ones and must not be billed.
   */
  unknownTier?: string;
  /**
   * For an override: the list price it replaced (catalog with corrections, on the call's tier),
   * when there is one. A catalog entry is its own list price.
   */
  list?: PriceEntry;
}

/** Which price applies: the call's provider, models, tier and start time. */
export interface PriceLookup {
  provider: string;
  /** Response model first (the model the call really ran), then request model. */
  models: readonly string[];
  serviceTier: string;
  atMs: number;
}

/** Catalog (with its corrections), service-tier table and local overrides, each effective-dated. */
export interface PriceBook {
  readonly catalogVersion: string;
  readonly correctionsVersion: string;
  readonly serviceTiersVersion: string;
  readonly overrideCount: number;
  lookup(q: PriceLookup): PriceEntry | undefined;
}

export { PricesError };

interface CompiledOverride {
  o: PriceOverride;
  model: RegExp;
  rates: TokenRates | undefined;
  /** Applied to list or own rates: discount and multiplier, as numerator / denominator. */
  factor: [bigint, bigint] | undefined;
  /** The factor applied to each rates object it met. */
  scaled: WeakMap<TokenRates, TokenRates>;
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
    const lines = issueLines(result.error.issues, {
      where: (i) => {
        const [, index, ...rest] = i.path;
        const entry = typeof index === 'number' ? (doc as { overrides?: { id?: unknown }[] }).overrides?.[index] : undefined;
        const where = typeof index === 'number' ? `overrides[${index}]${typeof entry?.id === 'string' ? ` "${entry.id}"` : ''}` : issuePath(i, '(top level)');
        return `  ${where}${rest.length ? `: ${rest.map(String).join('.')}` : ''}`;
      },
    });
    throw new PricesError(`invalid prices ${path}:\n${lines.join('\n')}`);
  }
  return result.data.overrides;
}

/**
 * Builds the price book; override globs and rates are compiled once here. The order, for a
 * call at instant t:
 * 1. the first override in force at t (file order) whose provider matches, whose model glob
 *    matches the response model or the request model, and whose tier (if it names one) is the
 *    call's: its own rates, or the list price (2) scaled by its discount and multiplier (the
 *    standard list price when the override names the tier, the tier's list price when not);
 * 2. otherwise the list price: the catalog entry (corrections merged over it) of the response
 *    model, else of the request model; on a non-standard tier, the tier table's price over it,
 *    and when the table has none the call's tier is unknown (never billed at standard rates).
 * Without `tiers` the shipped table (`prices/service-tiers.yaml`) applies.
 */
export function createPriceBook(catalog: Catalog, overrides: readonly PriceOverride[], tiers: ServiceTiers = shippedServiceTiers()): PriceBook {
  const compiled: CompiledOverride[] = overrides.map((o) => ({
    o,
    model: modelGlob(o.model),
    rates: o.rates === undefined ? undefined : compileRates(o.rates),
    factor: factorOf(o),
    scaled: new WeakMap(),
  }));
  // Which overrides can apply to a (provider, models, tier) is fixed; only dates vary per call.
  const candidates = new Map<string, CompiledOverride[]>();
  const candidatesFor = (provider: string, models: readonly string[], tier: string): CompiledOverride[] => {
    const key = `${provider}\u0000${tier}\u0000${models.join('\u0000')}`;
    let list = candidates.get(key);
    if (list === undefined) {
      list = compiled.filter(
        (c) => (c.o.provider === '*' || c.o.provider === provider) && models.some((m) => m !== '' && c.model.test(m)) && (c.o.serviceTier === undefined || c.o.serviceTier === tier),
      );
      if (candidates.size >= 10_000) candidates.clear();
      candidates.set(key, list);
    }
    return list;
  };

  // A standard-tier entry is built once per catalog price, not per call.
  const standardOf = new WeakMap<CatalogPrice, PriceEntry>();
  const listPrice = (q: PriceLookup): PriceEntry | undefined => {
    for (const model of q.models) {
      if (model === '') continue;
      const base = catalog.priceAt(q.provider, model, q.atMs);
      if (base === undefined) continue;
      if (isStandardTier(q.serviceTier)) {
        let entry = standardOf.get(base);
        if (entry === undefined) {
          entry = { rates: base.rates, source: 'catalog', version: base.version };
          standardOf.set(base, entry);
        }
        return entry;
      }
      const tiered = tiers.priceAt(q.provider, q.models, q.serviceTier, q.atMs, base.rates);
      if (tiered === undefined) return { rates: base.rates, source: 'catalog', version: base.version, unknownTier: q.serviceTier };
      return { rates: tiered.rates, source: 'catalog', version: `${base.version}+tier:${tiered.id}` };
    }
    return undefined;
  };

  return {
    catalogVersion: catalog.version,
    correctionsVersion: catalog.correctionsVersion,
    serviceTiersVersion: tiers.version,
    overrideCount: compiled.length,
    lookup(q) {
      let list: PriceEntry | undefined | null = null;
      const listOf = (): PriceEntry | undefined => (list === null ? (list = listPrice(q)) : list);
      for (const c of candidatesFor(q.provider, q.models, q.serviceTier)) {
        if (c.o.effectiveFrom !== undefined && q.atMs < c.o.effectiveFrom) continue;
        if (c.o.effectiveTo !== undefined && q.atMs >= c.o.effectiveTo) continue;
        let rates = c.rates;
        let version = `override:${c.o.id}`;
        if (rates === undefined) {
          // A discount or multiplier is taken off the list price of the model the call ran;
          // an override naming a tier defines that tier's price, so its base is the standard one.
          const base = c.o.serviceTier === undefined ? listOf() : listPrice({ ...q, serviceTier: '' });
          if (base === undefined || base.unknownTier !== undefined) continue;
          rates = base.rates;
          version = `${version}+${base.version}`;
        }
        if (c.factor !== undefined) rates = scaled(c, rates);
        const l = listOf();
        return l === undefined || l.unknownTier !== undefined ? { rates, source: 'override', version } : { rates, source: 'override', version, list: l };
      }
      return listOf();
    },
  };
}

/** The override's factor applied to `rates`, computed once per (override, rates). */
function scaled(c: CompiledOverride, rates: TokenRates): TokenRates {
  let out = c.scaled.get(rates);
  if (out === undefined) {
    out = scaleRates(rates, c.factor![0], c.factor![1]);
    c.scaled.set(rates, out);
  }
  return out;
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
