import { buildCall } from './call-builder';
import { unquote } from './call-rule';
import { jsonObject } from './json-usage';
import type { SpanMapper } from './mapper';
import { canonicalProvider } from './provider-aliases';
import { countOf } from './token-count';

const OPERATIONS: Record<string, string> = { LLM: 'chat', CHAT_MODEL: 'chat', EMBEDDING: 'embeddings' };

/**
 * MLflow Tracing (MLflow 3): `mlflow.spanType` LLM, CHAT_MODEL or EMBEDDING spans are
 * calls (CHAIN, AGENT, TOOL, RETRIEVER... are ruled out by the call rule). MLflow writes
 * attribute values JSON-encoded: `mlflow.spanType` is `"CHAT_MODEL"`, `mlflow.chat.tokenUsage`
 * an object with `input_tokens`, `output_tokens`, `total_tokens` (and, where reported,
 * `cache_read_input_tokens` / `cache_creation_input_tokens`), `mlflow.llm.model` and
 * `mlflow.llm.provider` strings. The model falls back to `model` in `mlflow.spanInputs`.
 */
export const mlflowMapper: SpanMapper = {
  name: 'mlflow',
  priority: 85,
  map(span) {
    const a = span.attributes;
    const type = a['mlflow.spanType'];
    if (type === undefined) return null;
    const usage = jsonObject(a['mlflow.chat.tokenUsage']);
    const u = (k: string) => countOf(usage?.[k], `mlflow.chat.tokenUsage.${k}`);
    const model = unquote(a['mlflow.llm.model'] ?? '') || a['gen_ai.request.model'] || modelFromInputs(a['mlflow.spanInputs']);
    return buildCall(span, 'mlflow', {
      operation: OPERATIONS[unquote(type).toUpperCase()] ?? 'chat',
      provider: canonicalProvider(unquote(a['mlflow.llm.provider'] ?? '') || a['gen_ai.provider.name'] || a['gen_ai.system'] || ''),
      requestModel: model,
      responseModel: a['gen_ai.response.model'] ?? '',
      inputTokens: u('input_tokens'),
      outputTokens: u('output_tokens'),
      cacheReadTokens: u('cache_read_input_tokens'),
      cacheWriteTokens: u('cache_creation_input_tokens'),
      reasoningTokens: u('reasoning_tokens'),
      responseId: '',
      sessionId: unquote(a['mlflow.trace.session'] ?? a['session.id'] ?? ''),
      userId: unquote(a['mlflow.trace.user'] ?? a['user.id'] ?? ''),
    });
  },
};

function modelFromInputs(inputs: string | undefined): string {
  const m = jsonObject(inputs);
  const v = m?.['model'];
  return typeof v === 'string' && v.length <= 200 ? v : '';
}
