import type { SpanRecord } from '../pipeline';

const MODEL_KEY = /(^|[._])model([._]|$)|model_?(name|id)$/i;

/**
 * For a span no mapper claimed: the value of its first model-looking attribute
 * (`*.model`, `*model_name`, `*.model.id`...), so the service can ask the price catalog
 * whether an unknown dialect hides an LLM call (`findUnmapped`). Undefined when there is none.
 */
export function modelCandidate(span: SpanRecord): string | undefined {
  for (const key in span.attributes) {
    if (!MODEL_KEY.test(key)) continue;
    const v = span.attributes[key]!;
    if (v !== '' && v.length <= 128 && !v.includes(' ')) return v;
  }
  return undefined;
}

/** Whether the price catalog knows `model` at `atMs` (the normalize stage's port to pricing). */
export type KnowsModel = (model: string, atMs: number) => boolean;

/**
 * Spans no convention claimed that name a model the price book knows: an instrumentation
 * we cannot read yet. They stay in `spans`, flagged, rather than being silently ignored.
 */
export function findUnmapped(unclaimed: readonly SpanRecord[], knowsModel: KnowsModel): Set<SpanRecord> | undefined {
  let found: Set<SpanRecord> | undefined;
  for (const span of unclaimed) {
    const model = modelCandidate(span);
    if (model === undefined) continue;
    const atMs = Number(span.startTimeUnixNano.slice(0, -6) || '0');
    if (knowsModel(model, atMs)) (found ??= new Set()).add(span);
  }
  return found;
}
