import type { NormalizedCall, SpanRecord } from '../pipeline';
import { readCount, sumCounts } from './token-count';

/**
 * Instrumentations known to report exclusive counts even where the numbers cannot prove
 * it (cache tokens smaller than the uncached input), by scope name and the version that
 * fixed it ('' = not fixed in any release we know of).
 */
const EXCLUSIVE_INPUT_SCOPES: { scope: string; fixedIn: string; source: string }[] = [
  // Converse usage: inputTokens excludes cacheRead/cacheWriteInputTokens, emitted as they come.
  { scope: 'opentelemetry.instrumentation.bedrock', fixedIn: '', source: 'traceloop/openllmetry#4449' },
  // Traceloop's JS Anthropic instrumentation writes Anthropic's own usage.input_tokens (the
  // uncached part) as gen_ai.usage.input_tokens, beside the cache reads and writes (0.27.0).
  { scope: '@traceloop/instrumentation-anthropic', fixedIn: '', source: 'spanledger test/instrumentation-node-sdk-2.test.ts' },
];

/**
 * Instrumentations that report output without the reasoning (thinking) tokens and no reasoning
 * count, but a grand total that includes them: the gap is the reasoning.
 */
const EXCLUSIVE_OUTPUT_SCOPES: { scope: string; fixedIn: string; source: string }[] = [
  // Gemini's candidatesTokenCount leaves out thoughtsTokenCount, which totalTokenCount counts;
  // the instrumentation reports prompt, candidates and total only (0.27.0).
  { scope: '@traceloop/instrumentation-vertexai', fixedIn: '', source: 'spanledger test/instrumentation-node-sdk-2.test.ts' },
];

const TOTAL = ['gen_ai.usage.total_tokens', 'llm.usage.total_tokens', 'llm.token_count.total', 'ai.usage.totalTokens'] as const;

/** Which totals were rebuilt, for the call's `tokenRebuild` and the metric. */
export interface Rebuilt {
  input: boolean;
  output: boolean;
}

/**
 * Holds a call's counts to the OTel rule (input includes cache read and write, output
 * includes reasoning), rebuilding a total reported without its parts when the numbers
 * prove it (parts larger than the total, or a reported grand total equal to the sum of
 * exclusive parts) or the instrumentation scope is known to report so; a total missing while
 * its parts are reported becomes their sum. Never caps a class, so every part reaches pricing.
 * `total` is a grand total the mapper read from its own dialect (null: read the usual names).
 */
export function applyTokenRule(call: NormalizedCall, total: number | null = null): Rebuilt {
  const grand = total ?? readCount(call.span.attributes, TOTAL);
  if (reasoningInTotalOnly(call, grand)) {
    call.reasoningTokens = grand! - call.inputTokens! - call.outputTokens!;
    call.outputTokens = sumCounts('output tokens rebuilt with reasoning tokens', call.outputTokens, call.reasoningTokens);
    return { input: false, output: true };
  }
  const cache = (call.cacheReadTokens ?? 0) + (call.cacheWriteTokens ?? 0);
  const reasoning = call.reasoningTokens ?? 0;
  let input = call.inputTokens !== null && cache > 0 && (cache > call.inputTokens || exclusiveByScope(call.span));
  let output = call.outputTokens !== null && reasoning > call.outputTokens;
  if (grand !== null && call.inputTokens !== null && call.outputTokens !== null) {
    const extra = grand - call.inputTokens - call.outputTokens;
    if (extra > 0 && extra === cache + reasoning && !input && !output) {
      input = cache > 0;
      output = reasoning > 0;
    } else if (extra > 0 && extra === cache && !input) input = true;
    else if (extra > 0 && extra === reasoning && !output) output = true;
  }
  // Parts reported without their total: the total is at least their sum (the uncached or
  // text part is unknown, so it counts as none), so no part is lost downstream.
  if (call.inputTokens === null && cache > 0) input = true;
  if (call.outputTokens === null && reasoning > 0) output = true;
  if (input) call.inputTokens = sumCounts('input tokens rebuilt with cache tokens', call.inputTokens, call.cacheReadTokens, call.cacheWriteTokens);
  if (output) call.outputTokens = sumCounts('output tokens rebuilt with reasoning tokens', call.outputTokens, call.reasoningTokens);
  return { input, output };
}

/** A scope known to leave reasoning out of output, no reasoning or cache count, and a grand total above input + output. */
function reasoningInTotalOnly(call: NormalizedCall, grand: number | null): boolean {
  if (grand === null || call.inputTokens === null || call.outputTokens === null || call.reasoningTokens !== null) return false;
  if (call.cacheReadTokens !== null || call.cacheWriteTokens !== null) return false;
  if (grand <= call.inputTokens + call.outputTokens) return false;
  return EXCLUSIVE_OUTPUT_SCOPES.some((e) => call.span.scopeName === e.scope && (e.fixedIn === '' || versionBelow(call.span.scopeVersion, e.fixedIn)));
}

function exclusiveByScope(span: SpanRecord): boolean {
  for (const e of EXCLUSIVE_INPUT_SCOPES) if (span.scopeName === e.scope && (e.fixedIn === '' || versionBelow(span.scopeVersion, e.fixedIn))) return true;
  return false;
}

/** a < b for dotted numeric versions; an unknown version counts as old. */
function versionBelow(a: string, b: string): boolean {
  if (a === '') return true;
  const x = a.split('.').map((p) => parseInt(p, 10) || 0);
  const y = b.split('.').map((p) => parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  return false;
}
