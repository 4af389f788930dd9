import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { calcPrice, type ModelPrice, type ModelInfo, type TieredPrices } from '@pydantic/genai-prices';
import { numberScaled } from '../pipeline';
import type { Rate, TokenRates } from './token-rates';

/** A catalog price that applies to one call. */
export interface CatalogPrice {
  rates: TokenRates;
  /** Stable id: `genai-prices@<version>:<provider>/<model>@<start date or base>`. */
  version: string;
}

/** The maintained catalog (@pydantic/genai-prices): model matching and dated prices. */
export interface Catalog {
  /** The bundled catalog's package version. */
  readonly version: string;
  /** Price of `model` from `provider` (OTel provider name) at `atMs`, or undefined if unknown. */
  priceAt(provider: string, model: string, atMs: number): CatalogPrice | undefined;
}

// OTel `gen_ai.provider.name` values to the catalog's provider ids.
const PROVIDER_IDS: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  'gcp.gemini': 'google',
  'gcp.vertex_ai': 'google',
  'gcp.gen_ai': 'google',
  'azure.ai.openai': 'azure',
  'azure.ai.inference': 'azure',
  'aws.bedrock': 'aws',
  x_ai: 'x-ai',
  mistral_ai: 'mistral',
  deepseek: 'deepseek',
  groq: 'groq',
  cohere: 'cohere',
  perplexity: 'perplexity',
};

const MAX_CACHED = 10_000;
const DAY_MS = 86_400_000;

interface ResolvedModel {
  providerId: string;
  model: ModelInfo;
  /** Prices depend on the time of day, not only the date (off-peak pricing). */
  byTimeOfDay: boolean;
}

/**
 * Builds the catalog adapter. Matching a model name against the catalog is costly, so it
 * is done once per (provider, model); dated prices change at UTC midnight, so the price
 * in force is then cached per day (per call only for time-of-day pricing). Costs are not
 * taken from the library's float arithmetic: we read its rates and compute exactly.
 */
export function createCatalog(): Catalog {
  const version = catalogVersion();
  const models = new Map<string, ResolvedModel | null>();
  const daily = new Map<string, CatalogPrice | undefined>();
  const ratesOf = new WeakMap<ModelPrice, TokenRates>();

  const resolve = (provider: string, model: string, atMs: number): ResolvedModel | null => {
    const key = `${provider}\u0000${model}`;
    let found = models.get(key);
    if (found === undefined) {
      const r = calcPrice({}, model, { providerId: PROVIDER_IDS[provider] ?? (provider || undefined), timestamp: new Date(atMs) });
      found = r === null ? null : { providerId: r.provider.id, model: r.model, byTimeOfDay: hasTimeOfDay(r.model) };
      if (models.size >= MAX_CACHED) models.clear();
      models.set(key, found);
    }
    return found;
  };

  const priceOf = (m: ResolvedModel, model: string, atMs: number): CatalogPrice => {
    const selected = Array.isArray(m.model.prices)
      ? calcPrice({}, model, { providerId: m.providerId, timestamp: new Date(atMs) })!.model_price
      : m.model.prices;
    let rates = ratesOf.get(selected);
    if (rates === undefined) {
      rates = toRates(selected);
      ratesOf.set(selected, rates);
    }
    return { rates, version: `genai-prices@${version}:${m.providerId}/${m.model.id}@${label(m.model, selected)}` };
  };

  return {
    version,
    priceAt(provider, model, atMs) {
      const m = resolve(provider, model, atMs);
      if (m === null) return undefined;
      if (!Array.isArray(m.model.prices) || m.byTimeOfDay) return priceOf(m, model, atMs);
      const key = `${provider}\u0000${model}\u0000${Math.floor(atMs / DAY_MS)}`;
      if (!daily.has(key)) {
        if (daily.size >= MAX_CACHED) daily.clear();
        daily.set(key, priceOf(m, model, atMs));
      }
      return daily.get(key);
    },
  };
}

function hasTimeOfDay(model: ModelInfo): boolean {
  return Array.isArray(model.prices) && model.prices.some((p) => p.constraint?.type === 'time_of_date');
}

function label(model: ModelInfo, selected: ModelPrice): string {
  if (!Array.isArray(model.prices)) return 'base';
  const entry = model.prices.find((p) => p.prices === selected);
  const c = entry?.constraint;
  if (c === undefined) return 'base';
  return c.type === 'start_date' ? c.start_date : `${c.start_time}-${c.end_time}`;
}

function toRate(v: number | TieredPrices | undefined): Rate | undefined {
  if (v === undefined) return undefined;
  // USD per million tokens times 10^12 is atto-USD per token.
  const scale = (n: number) => numberScaled(n, 12);
  if (typeof v === 'number') return { base: scale(v), tiers: [] };
  return { base: scale(v.base), tiers: v.tiers.map((t) => ({ aboveInputTokens: t.start, rate: scale(t.price) })) };
}

function toRates(p: ModelPrice): TokenRates {
  return {
    input: toRate(p.input_mtok),
    cacheRead: toRate(p.cache_read_mtok),
    cacheWrite: toRate(p.cache_write_mtok),
    output: toRate(p.output_mtok),
  };
}

function catalogVersion(): string {
  try {
    const main = require.resolve('@pydantic/genai-prices');
    const pkg = JSON.parse(readFileSync(path.join(path.dirname(main), '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
