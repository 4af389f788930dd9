import type { NormalizedCall, RefusedSpan, SpanRecord } from '../pipeline';
import { isAiSdkEmbeddingWrapper, wrapperReason } from './call-rule';
import { normalizeIdentity } from './call-finish';
import { dropSpanContent, hasContent, withoutContent } from './content-attributes';
import type { NormalizeConfig } from './config';
import { NOT_A_CALL, type SpanMapper } from './mapper';
import { TokenCountRefused } from './token-count';
import { applyTokenRule } from './token-rule';

/** What one normalize pass did besides finding calls, for the metrics and the sender's answer. */
export interface NormalizeReport {
  /** Spans refused (a token count beyond 2^53-1); they must not be stored. */
  refused: RefusedSpan[];
  /** Calls whose input / output total was rebuilt by the OTel rule. */
  inputRebuilt: number;
  outputRebuilt: number;
  /** Content attributes removed (from spans and calls, or from calls only). */
  contentDropped: number;
}

/** Turns spans into canonical LLM calls; spans no mapper claims are not LLM calls. */
export interface Normalizer {
  /**
   * Calls found in `spans`, in order; spans no mapper claimed are pushed to `unclaimed` if
   * given; refusals, rebuilds and dropped content are added to `report` if given.
   */
  normalize(spans: readonly SpanRecord[], unclaimed?: SpanRecord[], report?: NormalizeReport): NormalizedCall[];
  /** Mapper names in the order they are tried. */
  readonly order: readonly string[];
}

/** An empty report to pass to `normalize`. */
export function emptyReport(): NormalizeReport {
  return { refused: [], inputRebuilt: 0, outputRebuilt: 0, contentDropped: 0 };
}

/**
 * Builds a normalizer that tries `mappers` by descending priority (ties keep the given
 * order). A span any dialect marks as a wrapper (agent, step, chain, tool...) is no call
 * whichever mapper would read it; otherwise the first mapper that claims a span decides.
 * A call then gets its identity normalized and its tokens held to the OTel rule; a call
 * without any model is no call. Content attributes are dropped after mapping, as `config` says.
 */
export function createNormalizer(mappers: readonly SpanMapper[], config: NormalizeConfig = { content: 'drop' }): Normalizer {
  const ordered = mappers
    .map((m, i) => ({ m, i }))
    .sort((x, y) => y.m.priority - x.m.priority || x.i - y.i)
    .map((x) => x.m);
  const keepInSpans = config.content === 'keep_in_spans';
  return {
    order: ordered.map((m) => m.name),
    normalize(spans, unclaimed, report) {
      const calls: NormalizedCall[] = [];
      for (let s = 0; s < spans.length; s++) {
        const span = spans[s]!;
        let result: NormalizedCall | typeof NOT_A_CALL | null = null;
        try {
          result = mapSpan(ordered, span);
          if (result !== null && result !== NOT_A_CALL) {
            const rebuilt = applyTokenRule(result);
            if (rebuilt.input || rebuilt.output) {
              result.tokenRebuild = [result.tokenRebuild, rebuilt.input ? 'input' : '', rebuilt.output ? 'output' : ''].filter((x) => x).join(',');
            }
            if (report !== undefined && result.tokenRebuild) {
              if (result.tokenRebuild.includes('input')) report.inputRebuilt++;
              if (result.tokenRebuild.includes('output')) report.outputRebuilt++;
            }
          }
        } catch (err) {
          if (!(err instanceof TokenCountRefused)) throw err;
          report?.refused.push({ span, reason: `span ${span.spanId} (trace ${span.traceId}): ${err.message}; the span is refused` });
          continue;
        }
        if (result === null) unclaimed?.push(span);
        else if (result !== NOT_A_CALL) calls.push(result);
        const dropped = dropContent(span, result === null || result === NOT_A_CALL ? undefined : result, keepInSpans);
        if (report !== undefined) report.contentDropped += dropped;
      }
      return calls.length > 1 ? withoutWrappedParents(calls) : calls;
    },
  };
}

function mapSpan(ordered: readonly SpanMapper[], span: SpanRecord): NormalizedCall | typeof NOT_A_CALL | null {
  if (wrapperReason(span.attributes) !== undefined) return NOT_A_CALL;
  for (let i = 0; i < ordered.length; i++) {
    const result = ordered[i]!.map(span);
    if (result === null) continue;
    if (result === NOT_A_CALL) return result;
    // A span carrying two dialects: what the first leaves empty, the others fill.
    let gaps = hasGaps(result);
    for (let j = i + 1; j < ordered.length && gaps; j++) {
      const other = ordered[j]!.map(span);
      if (other !== null && other !== NOT_A_CALL) {
        fillGaps(result, other);
        gaps = hasGaps(result);
      }
    }
    normalizeIdentity(result);
    if (result.requestModel === '' && result.responseModel === '') return NOT_A_CALL;
    return isAiSdkEmbeddingWrapper(span, result.operation, result.inputTokens !== null || result.outputTokens !== null) ? NOT_A_CALL : result;
  }
  return null;
}

const TEXT_FIELDS = ['provider', 'requestModel', 'responseModel', 'responseId', 'sessionId', 'userId'] as const;
const COUNT_FIELDS = ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens', 'cacheWrite5mTokens', 'cacheWrite1hTokens'] as const;

function hasGaps(c: NormalizedCall): boolean {
  for (const f of TEXT_FIELDS) if (c[f] === '') return true;
  for (const f of COUNT_FIELDS) if (c[f] === null || c[f] === undefined) return true;
  return false;
}

function fillGaps(c: NormalizedCall, other: NormalizedCall): void {
  for (const f of TEXT_FIELDS) if (c[f] === '' && other[f] !== '') c[f] = other[f];
  for (const f of COUNT_FIELDS) if ((c[f] === null || c[f] === undefined) && other[f] !== null && other[f] !== undefined) c[f] = other[f];
}

function dropContent(span: SpanRecord, call: NormalizedCall | undefined, keepInSpans: boolean): number {
  if (!keepInSpans) {
    const n = dropSpanContent(span);
    if (call !== undefined) call.contentAttributesDropped = n;
    return n;
  }
  if (call === undefined || !hasContent(span.attributes)) return 0;
  const { attributes, dropped } = withoutContent(span.attributes);
  call.callAttributes = attributes;
  call.contentAttributesDropped = dropped;
  return dropped;
}

/**
 * A call without any usage whose own child in the same batch is a call of the same
 * operation and model is a wrapper around it (the AI SDK 7 `embeddings` operation span
 * around its provider call): only the child is kept. Pairs that both report usage are
 * left to the ledger's duplicate rule, which picks the winner by sender kind.
 */
function withoutWrappedParents(calls: NormalizedCall[]): NormalizedCall[] {
  let candidates = false;
  for (const c of calls) if (c.inputTokens === null && c.outputTokens === null) { candidates = true; break; }
  if (!candidates) return calls;
  const bySpan = new Map<string, NormalizedCall>();
  for (const c of calls) bySpan.set(c.span.spanId, c);
  let wrappers: Set<NormalizedCall> | undefined;
  for (const c of calls) {
    const parent = c.span.parentSpanId === '' ? undefined : bySpan.get(c.span.parentSpanId);
    if (parent !== undefined && parent.inputTokens === null && parent.outputTokens === null && parent.span.traceId === c.span.traceId && parent.operation === c.operation && parent.requestModel === c.requestModel) {
      (wrappers ??= new Set()).add(parent);
    }
  }
  return wrappers === undefined ? calls : calls.filter((c) => !wrappers!.has(c));
}
