import type { Attributes } from '../pipeline';
import { firstString } from './attribute-readers';
import { buildCall } from './call-builder';
import type { SpanMapper } from './mapper';
import { canonicalProvider } from './provider-aliases';
import { anthropicMetadata } from './ai-sdk-provider-metadata';
import { readCount, sumCounts } from './token-count';

// AI SDK 5 and 6 carry them as telemetry metadata; AI SDK 7 replaced metadata with the runtime
// context, which @ai-sdk/otel writes as ai.settings.context.<key> (on every legacy span).
const SESSION = [
  'ai.telemetry.metadata.sessionId', 'ai.telemetry.metadata.session_id', 'ai.telemetry.metadata.conversationId',
  'ai.settings.context.sessionId', 'ai.settings.context.session_id', 'ai.settings.context.conversationId',
  'gen_ai.conversation.id', 'session.id',
] as const;
const USER = ['ai.telemetry.metadata.userId', 'ai.telemetry.metadata.user_id', 'ai.settings.context.userId', 'ai.settings.context.user_id', 'user.id'] as const;

/**
 * Vercel AI SDK telemetry (`ai.operationId`), legacy and current. Only the provider calls
 * (`*.doGenerate`, `*.doStream`, `*.doEmbed`) are calls; the registry's call rule rules out
 * the `ai.generateText`, `ai.streamText`, `ai.embed`... wrappers, which repeat their
 * children's usage. Tokens: the OTel names on the provider-call span first, then
 * `ai.usage.*` (`inputTokens`/`promptTokens`, `outputTokens`/`completionTokens`,
 * `cachedInputTokens`, `reasoningTokens`, `inputTokenDetails.*`, `outputTokenDetails.*`,
 * `tokens` for embeddings). AI SDK 5 reports Anthropic cache writes only in
 * `ai.response.providerMetadata` (`anthropic.cacheCreationInputTokens`, and the raw
 * `anthropic.usage.cache_creation` split by TTL). When the SDK reports the uncached count
 * apart (`inputTokenDetails.noCacheTokens`), or for Anthropic under the legacy names (whose
 * `inputTokens` leave cached tokens out), input is rebuilt as uncached + cache read + cache
 * write, and the call says so (`tokenRebuild`).
 */
export const vercelAiMapper: SpanMapper = {
  name: 'vercel_ai',
  priority: 110,
  map(span) {
    const a = span.attributes;
    const op = a['ai.operationId'];
    if (op === undefined) return null;
    const rawProvider = a['ai.model.provider'] ?? a['gen_ai.system'] ?? '';
    const provider = canonicalProvider(rawProvider);
    const meta = provider === 'anthropic' ? anthropicMetadata(a) : undefined;
    const cacheRead = readCount(a, ['gen_ai.usage.cache_read.input_tokens', 'ai.usage.inputTokenDetails.cacheReadTokens', 'ai.usage.cachedInputTokens']);
    const cacheWrite = readCount(a, ['gen_ai.usage.cache_creation.input_tokens', 'ai.usage.inputTokenDetails.cacheWriteTokens']) ?? meta?.write ?? null;
    const input = inputTokens(a, provider, cacheRead, cacheWrite);
    return buildCall(span, 'vercel_ai', {
      operation: op.endsWith('doEmbed') ? 'embeddings' : 'chat',
      provider,
      requestModel: a['ai.model.id'] ?? a['gen_ai.request.model'] ?? '',
      responseModel: a['ai.response.model'] ?? a['gen_ai.response.model'] ?? '',
      inputTokens: input.tokens,
      outputTokens: readCount(a, ['gen_ai.usage.output_tokens', 'ai.usage.outputTokens', 'ai.usage.completionTokens']),
      cacheReadTokens: cacheRead,
      cacheWriteTokens: cacheWrite,
      cacheWrite5mTokens: meta?.write5m ?? null,
      cacheWrite1hTokens: meta?.write1h ?? null,
      reasoningTokens: readCount(a, ['gen_ai.usage.reasoning.output_tokens', 'ai.usage.outputTokenDetails.reasoningTokens', 'ai.usage.reasoningTokens']),
      responseId: a['ai.response.id'] ?? a['gen_ai.response.id'] ?? '',
      sessionId: firstString(a, SESSION),
      userId: firstString(a, USER),
      tokenRebuild: input.rebuilt ? 'input' : '',
    });
  },
};

function inputTokens(a: Attributes, provider: string, cacheRead: number | null, cacheWrite: number | null): { tokens: number | null; rebuilt: boolean } {
  const noCache = readCount(a, ['ai.usage.inputTokenDetails.noCacheTokens']);
  if (noCache !== null) return { tokens: sumCounts('ai.usage.inputTokenDetails.noCacheTokens with cache tokens', noCache, cacheRead, cacheWrite), rebuilt: false };
  const otel = readCount(a, ['gen_ai.usage.input_tokens']);
  if (otel !== null && provider !== 'anthropic') return { tokens: otel, rebuilt: false };
  const legacy = readCount(a, ['ai.usage.inputTokens', 'ai.usage.promptTokens', 'ai.usage.tokens']) ?? otel;
  if (legacy === null) return { tokens: null, rebuilt: false };
  if (provider !== 'anthropic' || (cacheRead ?? 0) + (cacheWrite ?? 0) === 0) return { tokens: legacy, rebuilt: false };
  return { tokens: sumCounts('ai.usage.inputTokens with cache tokens', legacy, cacheRead, cacheWrite), rebuilt: true };
}
