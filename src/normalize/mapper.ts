import type { LlmCall, SpanRecord } from '../pipeline';

/**
 * One span convention's reader. `map` returns the canonical call, or null when the span
 * is not an LLM call in this convention. Mappers are pure and hold no state.
 */
export interface SpanMapper {
  /** Stored per row as `convention`. */
  readonly name: string;
  /** Higher runs first; the first mapper that returns a call wins. */
  readonly priority: number;
  map(span: SpanRecord): LlmCall | null;
}
