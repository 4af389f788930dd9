import type * as protobuf from 'protobufjs';

/** What the export core answers: accepted, or accepted with some spans refused. */
export interface ExportOutcome {
  rejectedSpans: number;
  errorMessage: string;
}

/** Encodes ExportTraceServiceResponse and google.rpc.Status bodies, in protobuf and JSON. */
export interface ResponseEncoder {
  exportProto(outcome: ExportOutcome): Uint8Array;
  exportJson(outcome: ExportOutcome): string;
  statusProto(grpcCode: number, message: string, retryAfterMs?: number): Uint8Array;
  statusJson(grpcCode: number, message: string, retryAfterMs?: number): string;
}

const RETRY_INFO_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/** Builds the encoders once from the loaded schema (reflection types are looked up here, not per call). */
export function createResponseEncoder(root: protobuf.Root): ResponseEncoder {
  const Response = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
  const Status = root.lookupType('google.rpc.Status');
  const RetryInfo = root.lookupType('google.rpc.RetryInfo');
  const empty = Response.encode(Response.create({})).finish();

  const retryDetail = (ms: number) => ({
    type_url: RETRY_INFO_URL,
    value: RetryInfo.encode(
      RetryInfo.create({ retry_delay: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 } }),
    ).finish(),
  });

  return {
    exportProto(o) {
      if (o.rejectedSpans === 0 && o.errorMessage === '') return empty;
      return Response.encode(
        Response.create({ partial_success: { rejected_spans: o.rejectedSpans, error_message: o.errorMessage } }),
      ).finish();
    },
    exportJson(o) {
      if (o.rejectedSpans === 0 && o.errorMessage === '') return '{}';
      return JSON.stringify({
        partialSuccess: { rejectedSpans: String(o.rejectedSpans), errorMessage: o.errorMessage },
      });
    },
    statusProto(code, message, retryAfterMs) {
      const details = retryAfterMs === undefined ? [] : [retryDetail(retryAfterMs)];
      return Status.encode(Status.create({ code, message, details })).finish();
    },
    statusJson(code, message, retryAfterMs) {
      const details =
        retryAfterMs === undefined
          ? []
          : [{ '@type': RETRY_INFO_URL, retryDelay: `${(retryAfterMs / 1000).toFixed(3)}s` }];
      return JSON.stringify({ code, message, details });
    },
  };
}
