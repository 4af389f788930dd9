import type { SpanRecord } from '../pipeline';
import { anthropicMetadata } from './ai-sdk-provider-metadata';
import { firstString } from './attribute-readers';
import { buildCall, type CallFields } from './call-builder';
import { cacheWritesByTtl } from './cache-ttl';
import { wrapperReason } from './call-rule';
import { NOT_A_CALL, type SpanMapper } from './mapper';
import { canonicalProvider } from './provider-aliases';
import { readCount } from './token-count';

// Current names first, then the deprecated ones they replaced: a span carrying both
// reads the current one. Cache read/write tokens are part of input tokens (OTel rule).
// Semantic Kernel's first releases wrote usage as gen_ai.response.prompt_tokens / completion_tokens.
const INPUT = ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'gen_ai.response.prompt_tokens'] as const;
const OUTPUT = ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'gen_ai.response.completion_tokens'] as const;
const CACHE_READ = [
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_read_input_tokens',
  'gen_ai.usage.input_tokens.cached',
  'gen_ai.usage.cache_read_tokens',
  // Pydantic AI also writes provider usage details as gen_ai.usage.details.*.
  'gen_ai.usage.details.cache_read_tokens',
] as const;
const CACHE_WRITE = [
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens',
  'gen_ai.usage.input_tokens.cache_write',
  'gen_ai.usage.cache_write_input_tokens',
  'gen_ai.usage.details.cache_write_tokens',
] as const;

const REASONING = [
  'gen_ai.usage.reasoning.output_tokens',
  'gen_ai.usage.reasoning_tokens',
  'gen_ai.usage.output_tokens.reasoning',
  'gen_ai.usage.details.reasoning_tokens',
  // AI SDK 7's @ai-sdk/otel OpenTelemetry integration reports reasoning on its `chat` span only
  // among its detailed usage attributes (option `usage: true`), under the AI SDK's own name.
  'ai.usage.outputTokenDetails.reasoningTokens',
] as const;
const SESSION = ['gen_ai.conversation.id', 'session.id'] as const;
// LiteLLM writes its metadata as metadata.* (the proxy's end user is
// metadata.user_api_key_end_user_id) and the request's `user` as llm.user.
const USER = ['user.id', 'enduser.id', 'gen_ai.user.id', 'metadata.user_api_key_end_user_id', 'llm.user'] as const;

/**
 * Reads the OTel GenAI fields of a span, or null when it has none; NOT_A_CALL when the call
 * rule says it is a wrapper (agent, step, tool...). Shared by mappers built on them. The
 * provider is mapped from its alias; the registry infers it when the span names none.
 */
export function genAiFields(span: SpanRecord): CallFields | typeof NOT_A_CALL | null {
  const a = span.attributes;
  const provider = canonicalProvider(a['gen_ai.provider.name'] || a['gen_ai.system'] || '');
  const operation = a['gen_ai.operation.name'] ?? '';
  const requestModel = a['gen_ai.request.model'] ?? '';
  if (provider === '' && operation === '' && requestModel === '' && !a['gen_ai.provider.name'] && !a['gen_ai.system']) return null;
  if (wrapperReason(a) !== undefined) return NOT_A_CALL;
  let { write5m: split5m, write1h: split1h } = cacheWritesByTtl(a);
  if (split5m === null && split1h === null && provider === 'anthropic' && a['ai.response.providerMetadata'] !== undefined) {
    const meta = anthropicMetadata(a);
    split5m = meta?.write5m ?? null;
    split1h = meta?.write1h ?? null;
  }
  const cacheWrite = readCount(a, CACHE_WRITE);
  return {
    operation,
    provider,
    requestModel,
    responseModel: a['gen_ai.response.model'] ?? '',
    inputTokens: readCount(a, INPUT),
    outputTokens: readCount(a, OUTPUT),
    cacheReadTokens: readCount(a, CACHE_READ),
    cacheWriteTokens: cacheWrite ?? (split5m === null && split1h === null ? null : (split5m ?? 0) + (split1h ?? 0)),
    cacheWrite5mTokens: split5m,
    cacheWrite1hTokens: split1h,
    reasoningTokens: readCount(a, REASONING),
    responseId: a['gen_ai.response.id'] ?? '',
    sessionId: firstString(a, SESSION),
    userId: firstString(a, USER),
  };
}

/** The OTel GenAI semantic conventions, current and deprecated attribute names. */
export const genAiMapper: SpanMapper = {
  name: 'otel_genai',
  priority: 100,
  map(span): ReturnType<SpanMapper['map']> {
    const fields = genAiFields(span);
    return fields === null || fields === NOT_A_CALL ? fields : buildCall(span, 'otel_genai', fields);
  },
};
