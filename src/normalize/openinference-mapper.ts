import { firstString } from './attribute-readers';
import { langChainProvider } from './langchain-provider';
import { buildCall } from './call-builder';
import { cacheWritesByTtl } from './cache-ttl';
import { NOT_A_CALL, type SpanMapper } from './mapper';
import { canonicalProvider } from './provider-aliases';
import { readCount } from './token-count';

const CALL_KINDS: Record<string, string> = { LLM: 'chat', EMBEDDING: 'embeddings' };

/**
 * Arize OpenInference: `openinference.span.kind` LLM or EMBEDDING spans are calls (CHAIN,
 * AGENT, TOOL, RETRIEVER... are not). `llm.token_count.prompt` includes cached prompt tokens
 * (`prompt_details.cache_read` / `cache_write` are parts of it), `completion` includes
 * `completion_details.reasoning`: the OTel rule, so nothing is added or subtracted. The
 * LangChain instrumentation names no `llm.provider`; LangChain's own `ls_provider` in the
 * span's `metadata` JSON does.
 */
export const openInferenceMapper: SpanMapper = {
  name: 'openinference',
  priority: 90,
  map(span) {
    const a = span.attributes;
    const kind = a['openinference.span.kind'];
    if (kind === undefined && a['llm.model_name'] === undefined) return null;
    // Other kinds (CHAIN, AGENT, TOOL, RETRIEVER...) are ruled out by the registry's call rule.
    const operation = kind === undefined ? 'chat' : CALL_KINDS[kind.toUpperCase()];
    if (operation === undefined) return NOT_A_CALL;
    const model = a['llm.model_name'] ?? a['embedding.model_name'] ?? '';
    const ttl = cacheWritesByTtl(a);
    return buildCall(span, 'openinference', {
      operation,
      provider: canonicalProvider(a['llm.provider'] || a['llm.system'] || langChainProvider(a['metadata'])),
      requestModel: model,
      responseModel: model,
      inputTokens: readCount(a, ['llm.token_count.prompt']),
      outputTokens: readCount(a, ['llm.token_count.completion']),
      cacheReadTokens: readCount(a, ['llm.token_count.prompt_details.cache_read']),
      cacheWriteTokens: readCount(a, ['llm.token_count.prompt_details.cache_write']),
      cacheWrite5mTokens: ttl.write5m,
      cacheWrite1hTokens: ttl.write1h,
      reasoningTokens: readCount(a, ['llm.token_count.completion_details.reasoning']),
      responseId: '',
      sessionId: firstString(a, ['session.id']),
      userId: firstString(a, ['user.id']),
    });
  },
};

