import type { LlmCall, SpanRecord } from '../pipeline';
import type { SpanMapper } from './mapper';

/** Turns spans into canonical LLM calls; spans no mapper claims are not LLM calls. */
export interface Normalizer {
  /** Calls found in `spans`, in order. */
  normalize(spans: readonly SpanRecord[]): LlmCall[];
  /** Mapper names in the order they are tried. */
  readonly order: readonly string[];
}

/** Builds a normalizer that tries `mappers` by descending priority (ties keep the given order). */
export function createNormalizer(mappers: readonly SpanMapper[]): Normalizer {
  const ordered = mappers
    .map((m, i) => ({ m, i }))
    .sort((x, y) => y.m.priority - x.m.priority || x.i - y.i)
    .map((x) => x.m);
  return {
    order: ordered.map((m) => m.name),
    normalize(spans) {
      const calls: LlmCall[] = [];
      for (let s = 0; s < spans.length; s++) {
        for (let i = 0; i < ordered.length; i++) {
          const call = ordered[i]!.map(spans[s]!);
          if (call !== null) {
            calls.push(call);
            break;
          }
        }
      }
      return calls;
    },
  };
}
