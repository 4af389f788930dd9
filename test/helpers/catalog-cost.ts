import { findProvider, type ModelPrice } from '@pydantic/genai-prices';

/** Token classes of one call, OTel rule: input includes the cache tokens, output the reasoning. */
export interface CallTokens {
  input: number;
  output: number;
  cacheRead?: number;
  /** All cache writes; `cacheWrite1h` of them at the 1-hour rate. */
  cacheWrite?: number;
  cacheWrite1h?: number;
  reasoning?: number;
}

/** The catalog's flat (undated, untiered) price of one model, $ per million tokens by key. */
export function catalogPrice(providerId: string, modelId: string): ModelPrice {
  const provider = findProvider({ providerId });
  if (!provider) throw new Error(`catalog has no provider ${providerId}`);
  const model = provider.models.find((m) => m.id === modelId);
  if (!model) throw new Error(`catalog provider ${providerId} has no model ${modelId}`);
  if (Array.isArray(model.prices)) throw new Error(`${providerId}/${modelId} has dated prices: pick a model with one flat price`);
  for (const [k, v] of Object.entries(model.prices)) if (typeof v !== 'number' && v !== undefined) throw new Error(`${providerId}/${modelId} ${k} is tiered`);
  return model.prices;
}

/** nano-USD of `tokens` at `rate` $/Mtok (tokens x rate x 1000), rounded half up, exact in bigint. */
function nanos(tokens: number, rate: number): bigint {
  const [whole, frac = ''] = rate.toFixed(12).split('.') as [string, string?];
  const scaled = BigInt(whole + frac); // rate x 1e12
  const num = BigInt(tokens) * scaled * 1000n; // nano-USD x 1e12
  return (num + 500_000_000_000n) / 1_000_000_000_000n;
}

/**
 * The cost in nano-USD the catalog (`@pydantic/genai-prices`, read directly, not through
 * spanledger) gives a call: each class at its own rate (a missing cache or reasoning rate falls
 * back to input or output; a Claude 1-hour write without its own rate is 2x input), each
 * class rounded to the nano-USD, summed.
 */
export function expectedCostNanoUsd(providerId: string, modelId: string, t: CallTokens): bigint {
  const p = catalogPrice(providerId, modelId) as Record<string, number | undefined>;
  const input = p.input_mtok ?? 0;
  const output = p.output_mtok ?? 0;
  const cacheRead = t.cacheRead ?? 0;
  const cacheWrite = t.cacheWrite ?? 0;
  const write1h = t.cacheWrite1h ?? 0;
  const reasoning = t.reasoning ?? 0;
  const write1hRate = p.cache_write_1h_mtok ?? (modelId.includes('claude') ? input * 2 : (p.cache_write_mtok ?? input));
  return (
    nanos(t.input - cacheRead - cacheWrite, input) +
    nanos(cacheRead, p.cache_read_mtok ?? input) +
    nanos(cacheWrite - write1h, p.cache_write_mtok ?? input) +
    nanos(write1h, write1hRate) +
    nanos(t.output - reasoning, output) +
    nanos(reasoning, p.output_reasoning_mtok ?? output)
  );
}
