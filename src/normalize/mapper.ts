import type { NormalizedCall, SpanRecord } from '../pipeline';

/** A mapper's answer for a span that is in its convention but is not a model call (an agent, a wrapper). */
export const NOT_A_CALL = Symbol('not a call');

/**
 * One span convention's reader. `map` returns the canonical call; NOT_A_CALL when the span
 * is in this convention but is no model call (no lower-priority mapper may take it then);
 * null when the span is not in this convention. Mappers are pure and hold no state.
 */
export interface SpanMapper {
  /** Stored per row as `convention`. */
  readonly name: string;
  /** Higher runs first; the first mapper that claims a span wins. */
  readonly priority: number;
  map(span: SpanRecord): NormalizedCall | typeof NOT_A_CALL | null;
}
