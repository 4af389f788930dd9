/** OTLP receiver: protobuf and JSON codecs, one export core, gRPC and HTTP transports. */
export { readerLimits, receiverConfigSchema, type ReceiverConfig } from './config';
export { createExportCore, type Authenticate, type ExportCore } from './export-core';
export { createResponseEncoder, type ExportOutcome, type ResponseEncoder } from './export-response';
export { buildOtlpGrpcServer, bindGrpc, shutdownGrpc } from './grpc-server';
export { buildOtlpHttpApp } from './http-server';
export { loadOtlpRoot, protoDir } from './proto-schema';
export { readJsonExportRequest } from './otlp-json-reader';
export { readProtoExportRequest } from './otlp-proto-reader';
export { toWireStatus, type WireStatus } from './status-mapping';
export { noTelemetry, type ReceiverTelemetry, type Transport } from './telemetry';
export type { DecodeResult } from './decode-result';
export { createAdmission, type Admit } from './admission';
export { DEFAULT_READER_LIMITS, MAX_VALUE_DEPTH, TRUNCATED_ATTRIBUTE, type ReaderLimits } from './decode-result';
export { capResource, capSpan } from './span-caps';
export { timeWindowAt, timeWindowProblem, type TimeWindow } from './time-window';
export { checkExpansion, type ExportBounds } from './export-bounds';
export { limitRequestTime } from './request-timeout';
