import type { SpanRecord } from '../pipeline';
import { firstCount, firstString } from './attribute-readers';
import { buildCall, type CallFields } from './call-builder';
import { NOT_A_CALL, type SpanMapper } from './mapper';
import { providerFromSystem } from './provider-names';

// Current names first, then the deprecated ones they replaced: a span carrying both
// reads the current one. Cache read/write tokens are part of input tokens (OTel rule).
const INPUT = ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'] as const;
const OUTPUT = ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'] as const;
const CACHE_READ = [
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_read_input_tokens',
  'gen_ai.usage.input_tokens.cached',
] as const;
const CACHE_WRITE = [
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens',
  'gen_ai.usage.input_tokens.cache_write',
] as const;
const REASONING = [
  'gen_ai.usage.reasoning.output_tokens',
  'gen_ai.usage.reasoning_tokens',
  'gen_ai.usage.output_tokens.reasoning',
] as const;
const SESSION = ['gen_ai.conversation.id', 'session.id'] as const;
const USER = ['user.id', 'enduser.id', 'gen_ai.user.id'] as const;
// GenAI operations that are not a model call: their usage attributes (if any) sum the
// model calls beneath them, which are reported as spans of their own.
const NOT_MODEL_CALLS = new Set(['invoke_agent', 'create_agent', 'execute_tool']);

/** Reads the OTel GenAI fields of a span, or null when it has none. Shared by mappers built on them. */
export function genAiFields(span: SpanRecord): CallFields | typeof NOT_A_CALL | null {
  const a = span.attributes;
  const provider = a['gen_ai.provider.name'] || (a['gen_ai.system'] ? providerFromSystem(a['gen_ai.system']) : '');
  const operation = a['gen_ai.operation.name'] ?? '';
  const requestModel = a['gen_ai.request.model'] ?? '';
  if (provider === '' && operation === '' && requestModel === '') return null;
  if (NOT_MODEL_CALLS.has(operation)) return NOT_A_CALL;
  return {
    operation,
    provider,
    requestModel,
    responseModel: a['gen_ai.response.model'] ?? '',
    inputTokens: firstCount(a, INPUT),
    outputTokens: firstCount(a, OUTPUT),
    cacheReadTokens: firstCount(a, CACHE_READ),
    cacheWriteTokens: firstCount(a, CACHE_WRITE),
    reasoningTokens: firstCount(a, REASONING),
    responseId: a['gen_ai.response.id'] ?? '',
    sessionId: firstString(a, SESSION),
    userId: firstString(a, USER),
  };
}

/** The OTel GenAI semantic conventions, current and deprecated attribute names. */
export const genAiMapper: SpanMapper = {
  name: 'otel_genai',
  priority: 100,
  map(span) {
    const fields = genAiFields(span);
    return fields === null || fields === NOT_A_CALL ? fields : buildCall(span, 'otel_genai', fields);
  },
};
