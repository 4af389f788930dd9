import type { Attributes } from '../pipeline';
import { readCount } from './token-count';

// Anthropic's cache writes by TTL have no OTel name yet; these are the names instrumentations
// use. The Anthropic TypeScript SDK's own tracing (scope com.anthropic.sdk.typescript) writes
// them under its own prefix, as the API names them.
const WRITE_5M = [
  'gen_ai.usage.cache_creation.ephemeral_5m_input_tokens',
  'gen_ai.usage.cache_creation.ephemeral_5m.input_tokens',
  'anthropic.usage.cache_creation.ephemeral_5m_input_tokens',
] as const;
const WRITE_1H = [
  'gen_ai.usage.cache_creation.ephemeral_1h_input_tokens',
  'gen_ai.usage.cache_creation.ephemeral_1h.input_tokens',
  'anthropic.usage.cache_creation.ephemeral_1h_input_tokens',
] as const;

/** Cache writes with a 5-minute and a 1-hour TTL, each null when not reported. */
export function cacheWritesByTtl(a: Attributes): { write5m: number | null; write1h: number | null } {
  return { write5m: readCount(a, WRITE_5M), write1h: readCount(a, WRITE_1H) };
}
