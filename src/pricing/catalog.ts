import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { calcPrice, type ModelPrice, type ModelInfo, type TieredPrices } from '@pydantic/genai-prices';
import { numberScaled } from '../pipeline';
import { shippedCorrections, type CompiledCorrection } from './corrections';
import { CLASS_OF_PRICE_KEY } from './rate-classes';
import { mergeRates, type Rate, type TokenRates } from './token-rates';

/** A catalog price that applies to one call. */
export interface CatalogPrice {
  rates: TokenRates;
  /**
   * Stable id: `genai-prices@<version>:<provider>/<model>@<start date, time window or base>`,
   * followed by `+correction:<id>` when a shipped correction applies.
   */
  version: string;
}

/** The maintained catalog (@pydantic/genai-prices) with the shipped corrections over it. */
export interface Catalog {
  /** The bundled catalog's package version. */
  readonly version: string;
  /** The corrections file's version ('' when none is applied). */
  readonly correctionsVersion: string;
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

interface ResolvedModel {
  providerId: string;
  model: ModelInfo;
  corrections: readonly CompiledCorrection[];
  /** The uncorrected price of each of the entry's selected prices, built once (one entry can be reached under several providers). */
  plain: Map<ModelPrice, CatalogPrice>;
}

/**
 * Builds the catalog adapter. Matching a model name against the catalog is costly, so it
 * is done once per (provider, model). The price in force is then chosen per call from the
 * entry's dated and time-of-day prices, to the millisecond (never cached per day), and the
 * corrections in force for that entry are merged over it. Costs are not taken from the
 * library's float arithmetic: its rates are read as exact decimals. Without `corrections`
 * the shipped ones (`prices/corrections.yaml`) apply.
 */
export function createCatalog(corrections: { version: string; entries: readonly CompiledCorrection[] } = shippedCorrections()): Catalog {
  const version = catalogVersion();
  const models = new Map<string, ResolvedModel | null>();

  const resolve = (provider: string, model: string, atMs: number): ResolvedModel | null => {
    const key = `${provider}\u0000${model}`;
    let found = models.get(key);
    if (found === undefined) {
      const r = calcPrice({}, model, { providerId: PROVIDER_IDS[provider] ?? (provider || undefined), timestamp: new Date(atMs) });
      found =
        r === null
          ? null
          : { providerId: r.provider.id, model: r.model, corrections: corrections.entries.filter((c) => c.provider === r.provider.id && c.model === r.model.id), plain: new Map() };
      if (models.size >= MAX_CACHED) models.clear();
      models.set(key, found);
    }
    return found;
  };

  // The uncorrected price of a selected entry is built once (rates and id), not per call.
  const plain = (m: ResolvedModel, selected: ModelPrice, label: string): CatalogPrice => {
    let p = m.plain.get(selected);
    if (p === undefined) {
      p = { rates: toRates(m.providerId, m.model, selected), version: `genai-prices@${version}:${m.providerId}/${m.model.id}@${label}` };
      m.plain.set(selected, p);
    }
    return p;
  };

  return {
    version,
    correctionsVersion: corrections.version,
    priceAt(provider, model, atMs) {
      const m = resolve(provider, model, atMs);
      if (m === null) return undefined;
      const { selected, label } = selectPrice(m.model, atMs);
      const base = plain(m, selected, label);
      if (m.corrections.length === 0) return base;
      let rates = base.rates;
      let id = base.version;
      for (const c of m.corrections) {
        const over = c.ratesAt(atMs);
        if (over === undefined) continue;
        rates = mergeRates(rates, over);
        id = `${id}+correction:${c.id}`;
      }
      return id === base.version ? base : { rates, version: id };
    },
  };
}

/**
 * The entry's price in force at `atMs`, as the catalog defines it: the last listed price
 * whose constraint holds (a start date, inclusive, at 00:00 UTC; or a UTC time-of-day
 * window, start inclusive, end exclusive, possibly wrapping midnight), else the first.
 */
export function selectPrice(model: ModelInfo, atMs: number): { selected: ModelPrice; label: string } {
  if (!Array.isArray(model.prices)) return { selected: model.prices, label: 'base' };
  const secondOfDay = (((atMs % 86_400_000) + 86_400_000) % 86_400_000) / 1000;
  for (let i = model.prices.length - 1; i >= 0; i--) {
    const p = model.prices[i]!;
    const c = p.constraint;
    if (c === undefined) return { selected: p.prices, label: 'base' };
    if (c.type === 'start_date') {
      if (atMs >= Date.parse(`${c.start_date}T00:00:00Z`)) return { selected: p.prices, label: c.start_date };
    } else {
      const start = timeOfDaySeconds(c.start_time);
      const end = timeOfDaySeconds(c.end_time);
      const inside = end < start ? secondOfDay >= start || secondOfDay < end : secondOfDay >= start && secondOfDay < end;
      if (inside) return { selected: p.prices, label: `${c.start_time}-${c.end_time}` };
    }
  }
  const first = model.prices[0]!;
  return { selected: first.prices, label: first.constraint?.type === 'start_date' ? first.constraint.start_date : 'base' };
}

/** `HH:MM:SS[.fff](Z|±HH:MM)` to seconds after UTC midnight. */
function timeOfDaySeconds(t: string): number {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(t);
  if (m === null) throw new Error(`invalid time of day in the catalog: ${t}`);
  const local = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(`0.${m[4] ?? '0'}`);
  const offset = m[5] === 'Z' ? 0 : (m[6] === '+' ? 1 : -1) * (Number(m[7]) * 3600 + Number(m[8]) * 60);
  return (local - offset + 86_400) % 86_400;
}

function toRate(v: number | TieredPrices | undefined): Rate | undefined {
  if (v === undefined) return undefined;
  // USD per block (million tokens, thousand requests, hour) times 10^12: pico-USD per block.
  const scale = (x: number) => numberScaled(x, 12);
  if (typeof v === 'number') return { base: scale(v), tiers: [] };
  return { base: scale(v.base), tiers: [...v.tiers].sort((a, b) => a.start - b.start).map((t) => ({ aboveInputTokens: t.start, rate: scale(t.price) })) };
}

/**
 * Every price key of the entry to its class. For Claude models an entry without a 1-hour
 * cache-write rate gets Anthropic's published one, twice the input rate (tiers included):
 * https://platform.claude.com/docs/en/build-with-claude/prompt-caching#pricing
 * Groq's Whisper models bill 10 seconds at least per request, as the catalog's own
 * calculator does (its rule lives in code, not in the data).
 */
function toRates(providerId: string, model: ModelInfo, p: ModelPrice): TokenRates {
  const rates: TokenRates = {};
  for (const [key, value] of Object.entries(p)) {
    const cls = CLASS_OF_PRICE_KEY.get(key);
    if (cls === undefined || rates[cls] !== undefined) continue;
    const r = toRate(value);
    if (r !== undefined) rates[cls] = r;
  }
  if (rates.cacheWrite1h === undefined && rates.cacheWrite !== undefined && rates.input !== undefined && /claude/i.test(model.id)) {
    const i = rates.input;
    rates.cacheWrite1h = { base: i.base * 2n, tiers: i.tiers.map((t) => ({ aboveInputTokens: t.aboveInputTokens, rate: t.rate * 2n })) };
  }
  if (providerId === 'groq' && /^whisper-large-v3/.test(model.id) && rates.audioSecond !== undefined) rates.audioSecond = { ...rates.audioSecond, minUnits: 10n };
  return rates;
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
