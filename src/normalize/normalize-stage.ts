import type { NormalizedBatch, SpanRecord, Stage } from '../pipeline';
import { findUnmapped, type KnowsModel } from './model-candidate';
import { emptyReport, type NormalizeReport, type Normalizer } from './registry';

/** What the normalize stage reports once per export, for metrics. */
export interface NormalizeTelemetry {
  /** Token totals rebuilt and content attributes dropped. */
  normalized(report: NormalizeReport): void;
  /** LLM calls found (told only when there are some). */
  llmCalls(n: number): void;
  /** Spans that look like LLM calls no convention could read (told only when there are some). */
  unmapped(n: number): void;
}

/**
 * The first stage: an export's spans into canonical calls. A span refused (a token count
 * beyond 2^53-1) leaves the batch's spans and is listed in `refused`, for the sender's answer;
 * unclaimed spans naming a model `knowsModel` knows are flagged `unmapped`.
 */
export function createNormalizeStage(normalizer: Normalizer, knowsModel: KnowsModel, telemetry?: NormalizeTelemetry): Stage<readonly SpanRecord[], NormalizedBatch> {
  return {
    name: 'normalize',
    process(received) {
      const unclaimed: SpanRecord[] = [];
      const report = emptyReport();
      const calls = normalizer.normalize(received, unclaimed, report);
      telemetry?.normalized(report);
      // A refused span is not stored at all; the sender is told which.
      const refused = report.refused.length === 0 ? undefined : new Set(report.refused.map((r) => r.span));
      const spans = refused === undefined ? received : received.filter((sp) => !refused.has(sp));
      const unmapped = findUnmapped(refused === undefined ? unclaimed : unclaimed.filter((sp) => !refused.has(sp)), knowsModel);
      if (unmapped !== undefined) telemetry?.unmapped(unmapped.size);
      if (calls.length > 0) telemetry?.llmCalls(calls.length);
      return { spans, calls, unmapped, refused: report.refused };
    },
  };
}
