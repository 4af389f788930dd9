import { buildCall } from './call-builder';
import { NOT_A_CALL, type SpanMapper } from './mapper';
import { canonicalProvider } from './provider-aliases';
import { readCount } from './token-count';

/**
 * Claude Code's traces (`claude_code.*` spans): `claude_code.llm_request` (`span.type`
 * `llm_request`) is a call; `claude_code.interaction`, `claude_code.tool*` are not. Usage is
 * in bare attributes as the Anthropic API reports it: `input_tokens` leaves the cache out
 * (`cache_read_tokens`, `cache_creation_tokens`), so the token rule rebuilds input when
 * cache tokens exceed it. Model in `model` / `gen_ai.request.model`, session in `session.id`.
 */
export const claudeCodeMapper: SpanMapper = {
  name: 'claude_code',
  priority: 107,
  map(span) {
    if (!span.name.startsWith('claude_code.')) return null;
    const a = span.attributes;
    if (a['span.type'] !== 'llm_request' && span.name !== 'claude_code.llm_request') return NOT_A_CALL;
    return buildCall(span, 'claude_code', {
      operation: 'chat',
      provider: canonicalProvider(a['gen_ai.system'] || a['gen_ai.provider.name'] || 'anthropic'),
      requestModel: a['gen_ai.request.model'] || a['model'] || '',
      responseModel: a['gen_ai.response.model'] ?? '',
      inputTokens: readCount(a, ['input_tokens', 'gen_ai.usage.input_tokens']),
      outputTokens: readCount(a, ['output_tokens', 'gen_ai.usage.output_tokens']),
      cacheReadTokens: readCount(a, ['cache_read_tokens', 'gen_ai.usage.cache_read.input_tokens']),
      cacheWriteTokens: readCount(a, ['cache_creation_tokens', 'gen_ai.usage.cache_creation.input_tokens']),
      reasoningTokens: null,
      responseId: a['request_id'] ?? '',
      sessionId: a['session.id'] ?? '',
      userId: a['user.id'] ?? a['user.account_uuid'] ?? '',
    });
  },
};
