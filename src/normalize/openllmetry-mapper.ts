import { firstString } from './attribute-readers';
import { buildCall } from './call-builder';
import { genAiFields } from './genai-mapper';
import { NOT_A_CALL, type SpanMapper } from './mapper';
import { readCount } from './token-count';

const SESSION = ['traceloop.association.properties.session_id', 'traceloop.association.properties.sessionId', 'traceloop.association.properties.conversation_id'] as const;
const USER = ['traceloop.association.properties.user_id', 'traceloop.association.properties.userId'] as const;

/**
 * OpenLLMetry (Traceloop): OTel GenAI attributes (old and new names, cached tokens included
 * in input) plus its own: `llm.request.type` for the operation, `llm.usage.total_tokens`,
 * and session and user from `traceloop.association.properties.*`, which win over
 * `gen_ai.conversation.id` / `user.id` because Traceloop sets them on purpose per workflow.
 */
export const openLlmetryMapper: SpanMapper = {
  name: 'openllmetry',
  priority: 105,
  map(span) {
    const a = span.attributes;
    if (a['llm.request.type'] === undefined && a['llm.usage.total_tokens'] === undefined && !hasTraceloop(a)) return null;
    const fields = genAiFields(span);
    if (fields === null || fields === NOT_A_CALL) return fields;
    const total = readCount(a, ['llm.usage.total_tokens', 'gen_ai.usage.total_tokens']);
    // Old OpenLLMetry spans sometimes carry only totals and completions.
    if (fields.inputTokens === null && total !== null && fields.outputTokens !== null) fields.inputTokens = Math.max(0, total - fields.outputTokens);
    return buildCall(span, 'openllmetry', {
      ...fields,
      operation: fields.operation || (a['llm.request.type'] ?? ''),
      sessionId: firstString(a, SESSION) || fields.sessionId,
      userId: firstString(a, USER) || fields.userId,
    });
  },
};

function hasTraceloop(a: Record<string, string>): boolean {
  for (const k in a) if (k.startsWith('traceloop.')) return true;
  return false;
}
