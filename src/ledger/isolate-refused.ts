import type { LlmCall, RefusedSpans, SpanRecord } from '../pipeline';
import { PermanentError } from '../pipeline';

/** Inserts one group of rows into both tables (spans first); rejects with storage's classified error. */
export type InsertGroup = (spanRows: unknown[][], callRows: unknown[][]) => Promise<void>;

/** At most this many inserts are spent finding the refused spans of one export. */
export const MAX_ISOLATION_INSERTS = 64;

/**
 * After storage refused an export for good, finds which spans it refuses by halving the
 * export (each half inserted on its own, spans before their calls so no call is billed for
 * a span refused) and stores the rest. Resolves with the refused spans, or rejects with
 * `first` when the whole export is refused, or when more than MAX_ISOLATION_INSERTS
 * inserts would be needed (many bad spans: the whole export is answered 400 instead).
 * A retryable error on the way rejects with it: the sender retries the whole export, and
 * what was stored meanwhile deduplicates on (trace_id, span_id).
 *
 * Hand-written: this is the ledger's own recovery rule, no library has it.
 */
export async function isolateRefused(
  spans: readonly SpanRecord[],
  spanRows: unknown[][],
  calls: readonly LlmCall[],
  callRows: unknown[][],
  insert: InsertGroup,
  first: PermanentError,
): Promise<RefusedSpans> {
  if (spans.length < 2) throw first;
  const callsOf = new Map<SpanRecord, number[]>();
  for (let i = 0; i < calls.length; i++) {
    const list = callsOf.get(calls[i]!.span);
    if (list === undefined) callsOf.set(calls[i]!.span, [i]);
    else list.push(i);
  }
  const refused = new Set<SpanRecord>();
  let message = '';
  let inserts = 0;
  // Each entry is a range [from, to) of span indexes that storage refused as a whole.
  const pending: [number, number][] = [[0, Math.floor(spans.length / 2)], [Math.floor(spans.length / 2), spans.length]];
  while (pending.length > 0) {
    const [from, to] = pending.pop()!;
    if (++inserts > MAX_ISOLATION_INSERTS) throw first;
    const groupSpans = spanRows.slice(from, to);
    const groupCalls: unknown[][] = [];
    for (let i = from; i < to; i++) for (const c of callsOf.get(spans[i]!) ?? []) groupCalls.push(callRows[c]!);
    try {
      await insert(groupSpans, groupCalls);
    } catch (err) {
      if (!(err instanceof PermanentError)) throw err;
      if (to - from === 1) {
        refused.add(spans[from]!);
        if (message === '') message = err.message;
      } else {
        const mid = from + Math.floor((to - from) / 2);
        pending.push([mid, to], [from, mid]);
      }
    }
  }
  if (refused.size === spans.length) throw first;
  return { spans: refused, message };
}
