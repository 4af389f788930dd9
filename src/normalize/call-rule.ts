import type { Attributes, SpanRecord } from '../pipeline';

/**
 * `gen_ai.operation.name` values (and older dialects' equivalents) that are a model
 * invocation. Any other named operation (invoke_agent, create_agent, execute_tool,
 * agent_step, rerank, ...) is a wrapper or a non-token operation: never a call.
 */
const CALL_OPERATIONS = new Set([
  'chat', 'text_completion', 'generate_content', 'embeddings', 'responses',
  // Semantic Kernel before the OTel names settled; OpenLLMetry `llm.request.type`.
  'chat.completions', 'text.completions', 'completion', 'embedding',
  // LiteLLM writes its call type into both gen_ai.operation.name (`chat` only for
  // `completion`) and llm.request.type: BerriAI/litellm litellm/integrations/opentelemetry.py.
  'acompletion', 'aembedding', 'atext_completion', 'aresponses', 'anthropic_messages', 'agenerate_content',
  'generate_content_stream', 'agenerate_content_stream',
]);

/** True when `operation` names a model invocation (`chat`, `embeddings`...). */
export function isCallOperation(operation: string): boolean {
  return CALL_OPERATIONS.has(operation.toLowerCase());
}

// Each dialect's span-kind marker and the values that mark a model invocation. A span
// carrying the marker with another value is an agent, step, chain, workflow, task, tool,
// retrieval or framework wrapper, whatever model and summed usage it carries.
const OPENINFERENCE_CALLS = new Set(['LLM', 'EMBEDDING']);
const MLFLOW_CALLS = new Set(['LLM', 'CHAT_MODEL', 'EMBEDDING']);
const GENKIT_CALLS = new Set(['model', 'embedder']);
const AI_SDK_CALL = /\.(doGenerate|doStream|doEmbed)$/;


/** MLflow writes attribute values JSON-encoded (`"LLM"`); others write them bare. */
export function unquote(v: string): string {
  return v.length >= 2 && v.charCodeAt(0) === 34 && v.charCodeAt(v.length - 1) === 34 ? v.slice(1, -1) : v;
}

/**
 * Why a span is a wrapper and not a model call, by the first dialect marker that says so,
 * or undefined when no marker rules it out. The same answer whichever mapper reads it.
 */
export function wrapperReason(a: Attributes): string | undefined {
  const op = a['gen_ai.operation.name'];
  if (op !== undefined && op !== '' && !isCallOperation(op)) return `gen_ai.operation.name=${op}`;
  const aiOp = a['ai.operationId'];
  if (aiOp !== undefined && !AI_SDK_CALL.test(aiOp)) return `ai.operationId=${aiOp}`;
  const oi = a['openinference.span.kind'];
  if (oi !== undefined && !OPENINFERENCE_CALLS.has(oi.toUpperCase())) return `openinference.span.kind=${oi}`;
  const tl = a['traceloop.span.kind'];
  if (tl !== undefined && tl.toLowerCase() !== 'llm') return `traceloop.span.kind=${tl}`;
  const lrt = a['llm.request.type'];
  if (lrt !== undefined && lrt.toLowerCase() !== 'unknown' && !isCallOperation(lrt)) return `llm.request.type=${lrt}`;
  const ml = a['mlflow.spanType'];
  if (ml !== undefined && !MLFLOW_CALLS.has(unquote(ml).toUpperCase())) return `mlflow.spanType=${ml}`;
  const gk = a['genkit:type'];
  if (gk !== undefined && !GENKIT_CALLS.has(a['genkit:metadata:subtype'] ?? '')) return `genkit:metadata:subtype=${a['genkit:metadata:subtype'] ?? ''}`;
  return undefined;
}

const OPERATION_NAMES: Record<string, string> = {
  'chat.completions': 'chat', acompletion: 'chat', anthropic_messages: 'chat',
  'text.completions': 'text_completion', completion: 'text_completion', atext_completion: 'text_completion',
  embedding: 'embeddings', aembedding: 'embeddings',
  aresponses: 'responses',
  agenerate_content: 'generate_content', generate_content_stream: 'generate_content', agenerate_content_stream: 'generate_content',
};

/** A call operation by its OTel name (`acompletion` → `chat`, `embedding` → `embeddings`...). */
export function canonicalOperation(operation: string): string {
  const lower = operation.toLowerCase();
  return OPERATION_NAMES[lower] ?? lower;
}

/**
 * AI SDK 7's `@ai-sdk/otel` (tracer `gen_ai`) opens an `embeddings` operation span around
 * each `embeddings` provider call with the same operation and model but never any usage: a
 * successful one without usage is that wrapper, even when its provider call went in
 * another export.
 */
export function isAiSdkEmbeddingWrapper(span: SpanRecord, operation: string, usageReported: boolean): boolean {
  return span.scopeName === 'gen_ai' && operation === 'embeddings' && !usageReported && span.statusCode !== 2;
}
