import type { SpanRecord } from '../pipeline';

const MODEL_KEY = /(^|[._])model([._]|$)|model_?(name|id)$/i;

/**
 * For a span no mapper claimed: the value of its first model-looking attribute
 * (`*.model`, `*model_name`, `*.model.id`...), so the service can ask the price catalog
 * whether an unknown dialect hides an LLM call. Undefined when there is none.
 */
export function modelCandidate(span: SpanRecord): string | undefined {
  for (const key in span.attributes) {
    if (!MODEL_KEY.test(key)) continue;
    const v = span.attributes[key]!;
    if (v !== '' && v.length <= 128 && !v.includes(' ')) return v;
  }
  return undefined;
}
