import { randomBytes } from 'node:crypto';
import { loadOtlpRoot } from '../../src/receiver';

const root = loadOtlpRoot();
const Request = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const Response = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
const Status = root.lookupType('google.rpc.Status');

/** Attribute map as the protobuf KeyValue list. */
function kvs(attrs: Record<string, string | number>): object[] {
  return Object.entries(attrs).map(([key, v]) => ({ key, value: typeof v === 'number' ? { int_value: v } : { string_value: v } }));
}

/** One GenAI span plus its parent, built for raw-request tests. */
export interface RawSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, string | number>;
  /** Start time; now when absent. */
  startUnixNano?: bigint;
}

/** A fresh random trace id (hex). */
export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

/** A fresh random span id (hex). */
export function newSpanId(): string {
  return randomBytes(8).toString('hex');
}

/** Encodes spans of one service into an OTLP protobuf ExportTraceServiceRequest, timed now. */
export function encodeRequest(spans: RawSpan[], serviceName = 'raw-sender'): Buffer {
  const now = BigInt(Date.now()) * 1_000_000n;
  return Buffer.from(
    Request.encode(
      Request.fromObject({
        resource_spans: [
          {
            resource: { attributes: kvs({ 'service.name': serviceName }) },
            scope_spans: [
              {
                scope: { name: 'raw' },
                spans: spans.map((s) => ({
                  trace_id: Buffer.from(s.traceId, 'hex'),
                  span_id: Buffer.from(s.spanId, 'hex'),
                  parent_span_id: s.parentSpanId ? Buffer.from(s.parentSpanId, 'hex') : undefined,
                  name: s.name,
                  kind: 3,
                  start_time_unix_nano: (s.startUnixNano ?? now).toString(),
                  end_time_unix_nano: ((s.startUnixNano ?? now) + 250_000_000n).toString(),
                  attributes: kvs(s.attributes),
                })),
              },
            ],
          },
        ],
      }),
    ).finish(),
  );
}

/** Decodes an ExportTraceServiceResponse body. */
export function decodeResponse(body: Uint8Array): { partial_success?: { rejected_spans?: string; error_message?: string } } {
  return Response.toObject(Response.decode(body), { longs: String }) as never;
}

/** Decodes a google.rpc.Status body. */
export function decodeStatus(body: Uint8Array): { code?: number; message?: string; details?: { type_url: string }[] } {
  return Status.toObject(Status.decode(body)) as never;
}
