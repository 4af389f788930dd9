import type { CallBatch } from './call-batch';
import type { ConsumeResult } from './consumer';
import type { ExportContext } from './sender';
import type { SpanRecord } from './span-record';

/**
 * A consumer of one export's batch: resolves once the batch is durably handled, possibly
 * with the spans refused one by one (as `ConsumeSpans`). The callee owns `batch`.
 */
export type Consume<T> = (batch: T, context: ExportContext) => Promise<ConsumeResult | undefined>;

/** What flows between stages: the decoded spans, then a batch of calls. */
export type StageInput = readonly SpanRecord[] | CallBatch<unknown>;

/**
 * One pipeline stage: a synchronous transform of one export's batch. It never knows which
 * stage follows; `connect` hands its output to the next consumer. It may change its input's
 * calls in place (they are its own after the call) and must not keep them.
 */
export interface Stage<In extends StageInput, Out extends StageInput> {
  /** The stage's name in the self-telemetry (`normalize`, `ownership`, `pricing`). */
  readonly name: string;
  process(batch: In, context: ExportContext): Out;
}

/** Counts and times every stage alike (told once per export and stage, never per span). */
export interface StageTelemetry {
  /** One batch went through `stage`: items in and out (spans in for the first, calls after) and the time taken. */
  processed(stage: string, itemsIn: number, itemsOut: number, ms: number): void;
}

/**
 * Wraps `stage` so that its output goes to `next`, counted and timed by `telemetry`: the
 * one place a stage meets the one after it. A stage that throws rejects the export
 * (a PermanentError is bad input, anything else retryable).
 */
export function connect<In extends StageInput, Out extends StageInput>(stage: Stage<In, Out>, next: Consume<Out>, telemetry?: StageTelemetry): Consume<In> {
  const name = stage.name;
  return async (batch, context) => {
    const startedMs = performance.now();
    const out = stage.process(batch, context);
    telemetry?.processed(name, itemsOf(batch), itemsOf(out), performance.now() - startedMs);
    return next(out, context);
  };
}

function itemsOf(batch: StageInput): number {
  return isSpans(batch) ? batch.length : batch.calls.length;
}

function isSpans(batch: StageInput): batch is readonly SpanRecord[] {
  return Array.isArray(batch);
}
