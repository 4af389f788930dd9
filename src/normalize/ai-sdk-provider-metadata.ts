import type { Attributes } from '../pipeline';
import { countOf } from './token-count';

/**
 * Cache writes from the AI SDK's Anthropic provider metadata (`ai.response.providerMetadata`),
 * total and by TTL: AI SDK 5 reports the writes only there, and AI SDK 7's `@ai-sdk/otel`
 * OpenTelemetry integration (option `providerMetadata`) carries the TTL split only there.
 */
export function anthropicMetadata(a: Attributes): { write: number | null; write5m: number | null; write1h: number | null } | undefined {
  const json = a['ai.response.providerMetadata'];
  if (json === undefined || json.length > 65_536 || !json.includes('cache')) return undefined;
  let doc: { anthropic?: { cacheCreationInputTokens?: unknown; usage?: { cache_creation?: { ephemeral_5m_input_tokens?: unknown; ephemeral_1h_input_tokens?: unknown } } } };
  try {
    doc = JSON.parse(json);
  } catch {
    return undefined;
  }
  const m = doc?.anthropic;
  if (typeof m !== 'object' || m === null) return undefined;
  const where = 'ai.response.providerMetadata.anthropic';
  const split = m.usage?.cache_creation;
  return {
    write: countOf(m.cacheCreationInputTokens, `${where}.cacheCreationInputTokens`),
    write5m: countOf(split?.ephemeral_5m_input_tokens, `${where}.usage.cache_creation.ephemeral_5m_input_tokens`),
    write1h: countOf(split?.ephemeral_1h_input_tokens, `${where}.usage.cache_creation.ephemeral_1h_input_tokens`),
  };
}
