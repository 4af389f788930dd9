import type { Attributes, SpanRecord } from '../pipeline';

// Attributes that carry prompts, answers, tool arguments and results, retrieved documents:
// user text. Exact names, then prefixes (each prefix also matches the bare name before its dot).
const EXACT = new Set([
  'gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions', 'gen_ai.prompt', 'gen_ai.completion',
  'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result', 'gen_ai.request.messages', 'gen_ai.response.text',
  'input.value', 'output.value', 'llm.prompts', 'llm.prompt_template.variables',
  'ai.prompt', 'ai.response.text', 'ai.response.toolCalls', 'ai.response.object', 'ai.response.reasoning', 'ai.response.files',
  'ai.toolCall.args', 'ai.toolCall.result', 'ai.value', 'ai.values', 'ai.embedding', 'ai.embeddings', 'ai.documents', 'ai.ranking',
  'traceloop.entity.input', 'traceloop.entity.output', 'mlflow.spanInputs', 'mlflow.spanOutputs', 'genkit:input', 'genkit:output',
  'all_messages_events', 'final_result', 'pydantic_ai.all_messages', 'tool_arguments', 'tool_response',
  'llm.input', 'llm.output', 'llm.completions',
]);
// gen_ai.prompt.*, gen_ai.completion.*, gen_ai.content.*, llm.input_messages.*, llm.output_messages.*,
// llm.prompts.*, llm.completions.*, ai.prompt.*, embedding.embeddings.*, retrieval.documents.*,
// reranker.input_documents.*, reranker.output_documents.*: one regex test per key.
const PREFIXES = /^(?:gen_ai\.(?:prompt|completion|content)\.|llm\.(?:input_messages|output_messages|prompts|completions)\.|ai\.prompt\.|embedding\.embeddings\.|retrieval\.documents\.|reranker\.(?:input|output)_documents\.)/;
// Span events that carry content in their attributes (the older OTel GenAI event form).
const CONTENT_EVENT = /^gen_ai\.(content\.|user\.|system\.|assistant\.|tool\.|choice|client\.inference)/;
const EVENT_CONTENT = new Set(['content', 'message', 'gen_ai.prompt', 'gen_ai.completion', 'gen_ai.event.content', 'gen_ai.input.messages', 'gen_ai.output.messages']);

/** True when `key` names a content attribute (prompt, answer, tool payload, document). */
export function isContentAttribute(key: string): boolean {
  return EXACT.has(key) || PREFIXES.test(key);
}

/**
 * Removes content attributes from a span's attributes and its GenAI content events, in
 * place (the stage owns the spans it is given). Returns how many it removed.
 */
export function dropSpanContent(span: SpanRecord): number {
  let n = 0;
  const a = span.attributes;
  for (const key in a) if (isContentAttribute(key)) { delete a[key]; n++; }
  for (const e of span.events) {
    if (!CONTENT_EVENT.test(e.name)) continue;
    for (const key in e.attributes) if (EVENT_CONTENT.has(key) || isContentAttribute(key)) { delete e.attributes[key]; n++; }
  }
  return n;
}

/** A copy of `attrs` without content attributes and the count left out, for a call row when `spans` keeps them. */
export function withoutContent(attrs: Attributes): { attributes: Attributes; dropped: number } {
  let dropped = 0;
  const out: Attributes = {};
  for (const key in attrs) {
    if (isContentAttribute(key)) dropped++;
    else out[key] = attrs[key]!;
  }
  return { attributes: out, dropped };
}

/** Whether a span has any content attribute (checked before copying, so spans without any cost nothing). */
export function hasContent(attrs: Attributes): boolean {
  for (const key in attrs) if (isContentAttribute(key)) return true;
  return false;
}
