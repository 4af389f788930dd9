import type { Attributes } from '../pipeline';
import { firstCount, firstString } from './attribute-readers';
import { buildCall } from './call-builder';
import { NOT_A_CALL, type SpanMapper } from './mapper';
import { providerFromVercel } from './provider-names';

// Only the inner provider calls are model calls; the outer ai.generateText / ai.streamText /
// ai.generateObject / ai.embed spans repeat their children's usage and would count it twice.
const PROVIDER_CALL = /\.(doGenerate|doStream|doEmbed)$/;

const SESSION = ['ai.telemetry.metadata.sessionId', 'ai.telemetry.metadata.session_id', 'ai.telemetry.metadata.conversationId', 'gen_ai.conversation.id', 'session.id'] as const;
const USER = ['ai.telemetry.metadata.userId', 'ai.telemetry.metadata.user_id', 'user.id'] as const;

/**
 * Vercel AI SDK telemetry (`ai.operationId`), legacy and current. Tokens: the OTel names on
 * the provider-call span first, then `ai.usage.*` (`inputTokens`/`promptTokens`,
 * `outputTokens`/`completionTokens`, `cachedInputTokens`, `reasoningTokens`,
 * `inputTokenDetails.*`, `outputTokenDetails.*`). When the SDK reports the uncached count
 * apart (`inputTokenDetails.noCacheTokens`), or for Anthropic under the legacy names (whose
 * `inputTokens` leave cached tokens out), input is rebuilt as uncached + cache read + cache
 * write so the OTel rule holds.
 */
export const vercelAiMapper: SpanMapper = {
  name: 'vercel_ai',
  priority: 110,
  map(span) {
    const a = span.attributes;
    const op = a['ai.operationId'];
    if (op === undefined) return null;
    if (!PROVIDER_CALL.test(op)) return NOT_A_CALL;
    const provider = providerFromVercel(a['ai.model.provider'] ?? a['gen_ai.system'] ?? '');
    const cacheRead = firstCount(a, ['gen_ai.usage.cache_read.input_tokens', 'ai.usage.inputTokenDetails.cacheReadTokens', 'ai.usage.cachedInputTokens']);
    const cacheWrite = firstCount(a, ['gen_ai.usage.cache_creation.input_tokens', 'ai.usage.inputTokenDetails.cacheWriteTokens']);
    return buildCall(span, 'vercel_ai', {
      operation: op.endsWith('doEmbed') ? 'embeddings' : 'chat',
      provider,
      requestModel: a['ai.model.id'] ?? a['gen_ai.request.model'] ?? '',
      responseModel: a['ai.response.model'] ?? a['gen_ai.response.model'] ?? '',
      inputTokens: inputTokens(a, provider, cacheRead, cacheWrite),
      outputTokens: firstCount(a, ['gen_ai.usage.output_tokens', 'ai.usage.outputTokens', 'ai.usage.completionTokens']),
      cacheReadTokens: cacheRead,
      cacheWriteTokens: cacheWrite,
      reasoningTokens: firstCount(a, ['gen_ai.usage.reasoning.output_tokens', 'ai.usage.outputTokenDetails.reasoningTokens', 'ai.usage.reasoningTokens']),
      responseId: a['ai.response.id'] ?? a['gen_ai.response.id'] ?? '',
      sessionId: firstString(a, SESSION),
      userId: firstString(a, USER),
    });
  },
};

function inputTokens(a: Attributes, provider: string, cacheRead: number | null, cacheWrite: number | null): number | null {
  const noCache = firstCount(a, ['ai.usage.inputTokenDetails.noCacheTokens']);
  if (noCache !== null) return noCache + (cacheRead ?? 0) + (cacheWrite ?? 0);
  const otel = firstCount(a, ['gen_ai.usage.input_tokens']);
  if (otel !== null && provider !== 'anthropic') return otel;
  const legacy = firstCount(a, ['ai.usage.inputTokens', 'ai.usage.promptTokens']) ?? otel;
  if (legacy === null) return null;
  return provider === 'anthropic' ? legacy + (cacheRead ?? 0) + (cacheWrite ?? 0) : legacy;
}
