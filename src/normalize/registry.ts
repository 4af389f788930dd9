import type { LlmCall, SpanRecord } from '../pipeline';
import { NOT_A_CALL, type SpanMapper } from './mapper';

/** Turns spans into canonical LLM calls; spans no mapper claims are not LLM calls. */
export interface Normalizer {
  /** Calls found in `spans`, in order; spans no mapper claimed are pushed to `unclaimed` if given. */
  normalize(spans: readonly SpanRecord[], unclaimed?: SpanRecord[]): LlmCall[];
  /** Mapper names in the order they are tried. */
  readonly order: readonly string[];
}

/**
 * Builds a normalizer that tries `mappers` by descending priority (ties keep the given
 * order). The first mapper that claims a span decides: a call, or NOT_A_CALL.
 */
export function createNormalizer(mappers: readonly SpanMapper[]): Normalizer {
  const ordered = mappers
    .map((m, i) => ({ m, i }))
    .sort((x, y) => y.m.priority - x.m.priority || x.i - y.i)
    .map((x) => x.m);
  return {
    order: ordered.map((m) => m.name),
    normalize(spans, unclaimed) {
      const calls: LlmCall[] = [];
      for (let s = 0; s < spans.length; s++) {
        let claimed = false;
        for (let i = 0; i < ordered.length; i++) {
          const result = ordered[i]!.map(spans[s]!);
          if (result === null) continue;
          if (result !== NOT_A_CALL) calls.push(result);
          claimed = true;
          break;
        }
        if (!claimed) unclaimed?.push(spans[s]!);
      }
      return calls;
    },
  };
}
