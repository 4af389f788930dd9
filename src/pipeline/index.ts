/** Shared vocabulary of the pipeline. Imports nothing internal. */
export type { Attributes, SpanEvent, SpanLink, SpanRecord } from './span-record';
export type { LlmCall, NormalizedCall, OwnedCall, PolicyMark, PricedCall, WriterStamp } from './llm-call';
export type { CallBatch, NormalizedBatch, OwnedBatch, PricedBatch, RefusedSpan } from './call-batch';
export { connect, type Consume, type Stage, type StageInput, type StageTelemetry } from './stage';
export { writeAll, type WriteCalls } from './write-calls';
export { FINE_USAGE_FIELDS } from './llm-call';
export type { ConsumeResult, ConsumeSpans, RefusedSpans } from './consumer';
export { PermanentError, RetryableError, isPermanent } from './errors';
export type { PermanentReason } from './errors';
export type { ExportContext, SenderIdentity } from './sender';
export type { Ownership, OwnershipSource } from './ownership';
export type { CallCost, PricingStatus } from './call-cost';
export { divRound, formatNanoUsd, numberScaled, parseScaled } from './money';
export { modelGlob } from './model-glob';
export { decompressBody } from './decompress';
