import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { PermanentError } from '../pipeline';
import { readJsonExportRequest } from './otlp-json-reader';
import { readProtoExportRequest } from './otlp-proto-reader';
import { loadOtlpRoot } from './proto-schema';

const root = loadOtlpRoot();
const Request = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');

/** Spans made by the real SDK, covering kinds, status, events, links and every SDK attribute type. */
function sdkSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'wire-test', 'service.version': '1.2.3', 'host.cpus': 8 }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('wire-scope', '9.9.9');
  const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER });
  const linked = tracer.startSpan('linked', { kind: SpanKind.PRODUCER });
  linked.end();
  const child = tracer.startSpan(
    'child',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        s: 'text ü',
        b: true,
        i: 42,
        neg: -7,
        d: 2.5,
        strs: ['a', 'b'],
        nums: [1, 2.5],
        bools: [true, false],
      },
      links: [{ context: linked.spanContext(), attributes: { why: 'retry-of' } }],
    },
    trace.setSpan(context.active(), parent),
  );
  child.addEvent('gen_ai.content.prompt', { 'gen_ai.prompt': 'hi', n: 3 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
  child.end();
  parent.end();
  return exporter.getFinishedSpans();
}

function hrToNanos([s, ns]: [number, number]): string {
  return (BigInt(s) * 1_000_000_000n + BigInt(ns)).toString();
}

describe('wire compatibility with the official OTel JS serializers', () => {
  const spans = sdkSpans();
  const protoBytes = ProtobufTraceSerializer.serializeRequest(spans)!;
  const jsonBytes = JsonTraceSerializer.serializeRequest(spans)!;

  test('our .proto files decode the official protobuf payload field for field', () => {
    const msg = Request.toObject(Request.decode(protoBytes), { longs: String, enums: Number, bytes: String, defaults: false }) as {
      resource_spans: {
        resource: { attributes: { key: string; value: Record<string, unknown> }[] };
        scope_spans: { scope: { name: string; version: string }; spans: Record<string, unknown>[] }[];
      }[];
    };
    const rs = msg.resource_spans[0]!;
    assert.deepEqual(
      rs.resource.attributes.find((a) => a.key === 'host.cpus')?.value,
      { int_value: '8' },
    );
    const ss = rs.scope_spans[0]!;
    assert.deepEqual(ss.scope, { name: 'wire-scope', version: '9.9.9' });
    assert.equal(ss.spans.length, spans.length);
    for (const sdk of spans) {
      const decoded = ss.spans.find((s) => s.name === sdk.name) as Record<string, any>;
      const id = (b64: string) => Buffer.from(b64, 'base64').toString('hex');
      assert.equal(id(decoded.trace_id), sdk.spanContext().traceId);
      assert.equal(id(decoded.span_id), sdk.spanContext().spanId);
      assert.equal(decoded.parent_span_id ? id(decoded.parent_span_id) : undefined, sdk.parentSpanContext?.spanId);
      assert.equal(decoded.kind, sdk.kind + 1); // the API's enum starts at INTERNAL = 0
      assert.equal(decoded.start_time_unix_nano, hrToNanos(sdk.startTime));
      assert.equal(decoded.end_time_unix_nano, hrToNanos(sdk.endTime));
      assert.equal(decoded.status?.code ?? 0, sdk.status.code);
      assert.equal(decoded.status?.message, sdk.status.message);
      assert.equal((decoded.events ?? []).length, sdk.events.length);
      assert.equal((decoded.links ?? []).length, sdk.links.length);
    }
    const child = ss.spans.find((s) => s.name === 'child') as Record<string, any>;
    const attrs = Object.fromEntries(child.attributes.map((a: { key: string; value: unknown }) => [a.key, a.value]));
    assert.deepEqual(attrs, {
      s: { string_value: 'text ü' },
      b: { bool_value: true },
      i: { int_value: '42' },
      neg: { int_value: '-7' },
      d: { double_value: 2.5 },
      strs: { array_value: { values: [{ string_value: 'a' }, { string_value: 'b' }] } },
      nums: { array_value: { values: [{ int_value: '1' }, { double_value: 2.5 }] } },
      bools: { array_value: { values: [{ bool_value: true }, { bool_value: false }] } },
    });
    assert.equal(child.events[0].name, 'gen_ai.content.prompt');
    assert.equal(child.links[0].attributes[0].key, 'why');
  });

  test('the single-pass reader gives the same records from protobuf as from JSON', () => {
    const fromProto = readProtoExportRequest(Buffer.from(protoBytes));
    const fromJson = readJsonExportRequest(Buffer.from(jsonBytes));
    assert.equal(fromProto.rejectedSpans, 0);
    assert.equal(fromProto.spans.length, 3);
    assert.deepEqual(fromProto, fromJson);
  });

  test('the single-pass reader keeps ids, times, status, events, links and flattened attributes', () => {
    const { spans: records } = readProtoExportRequest(Buffer.from(protoBytes));
    const sdkChild = spans.find((s) => s.name === 'child')!;
    const child = records.find((r) => r.name === 'child')!;
    assert.equal(child.traceId, sdkChild.spanContext().traceId);
    assert.equal(child.spanId, sdkChild.spanContext().spanId);
    assert.equal(child.parentSpanId, sdkChild.parentSpanContext!.spanId);
    assert.equal(child.kind, 3);
    assert.equal(child.startTimeUnixNano, hrToNanos(sdkChild.startTime));
    assert.equal(child.statusCode, 2);
    assert.equal(child.statusMessage, 'rate limited');
    assert.equal(child.scopeName, 'wire-scope');
    assert.equal(child.resource['service.name'], 'wire-test');
    assert.deepEqual(child.attributes, {
      s: 'text ü',
      b: 'true',
      i: '42',
      neg: '-7',
      d: '2.5',
      strs: '["a","b"]',
      nums: '[1,2.5]',
      bools: '[true,false]',
    });
    assert.deepEqual(child.events, [
      { timeUnixNano: hrToNanos(sdkChild.events[0]!.time), name: 'gen_ai.content.prompt', attributes: { 'gen_ai.prompt': 'hi', n: '3' } },
    ]);
    assert.equal(child.links[0]!.spanId, sdkChild.links[0]!.context.spanId);
    assert.deepEqual(child.links[0]!.attributes, { why: 'retry-of' });
  });
});

describe('AnyValue variants the SDK cannot emit', () => {
  const traceId = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
  const spanId = Buffer.from('1112131415161718', 'hex');
  const payload = {
    resource_spans: [
      {
        scope_spans: [
          {
            spans: [
              {
                trace_id: traceId,
                span_id: spanId,
                name: 'x',
                start_time_unix_nano: '1800000000123456789',
                end_time_unix_nano: '1800000001000000000',
                attributes: [
                  { key: 'bytes', value: { bytes_value: Buffer.from([0, 1, 254, 255]) } },
                  { key: 'kv', value: { kvlist_value: { values: [{ key: 'a', value: { int_value: 1 } }, { key: 'b', value: { array_value: { values: [{ string_value: 'z' }] } } }] } } },
                  { key: 'big', value: { int_value: '9007199254740993' } },
                  { key: 'empty', value: {} },
                ],
              },
            ],
          },
        ],
      },
    ],
  };

  test('bytes become base64, key-value lists JSON objects, and 64-bit integers stay exact', () => {
    const bytes = Request.encode(Request.fromObject(payload)).finish();
    const { spans } = readProtoExportRequest(Buffer.from(bytes));
    assert.deepEqual(spans[0]!.attributes, { bytes: 'AAH+/w==', kv: '{"a":1,"b":["z"]}', big: '9007199254740993', empty: '' });
    assert.equal(spans[0]!.startTimeUnixNano, '1800000000123456789');
  });

  test('the JSON reader flattens the same values identically', () => {
    const json = {
      resourceSpans: [{ scopeSpans: [{ spans: [{
        traceId: traceId.toString('hex'), spanId: spanId.toString('hex'), name: 'x',
        startTimeUnixNano: 1800000000123456789n.toString(), endTimeUnixNano: '1800000001000000000',
        attributes: [
          { key: 'bytes', value: { bytesValue: 'AAH+/w==' } },
          { key: 'kv', value: { kvlistValue: { values: [{ key: 'a', value: { intValue: 1 } }, { key: 'b', value: { arrayValue: { values: [{ stringValue: 'z' }] } } }] } } },
          { key: 'big', value: { intValue: '9007199254740993' } },
          { key: 'empty', value: {} },
        ],
      }] }] }],
    };
    const bytes = Request.encode(Request.fromObject(payload)).finish();
    assert.deepEqual(readJsonExportRequest(JSON.stringify(json)), readProtoExportRequest(Buffer.from(bytes)));
  });
});

describe('malformed protobuf', () => {
  const bytes = Buffer.from(ProtobufTraceSerializer.serializeRequest(sdkSpans())!);

  test('a truncated payload is refused as invalid_argument naming where it broke', () => {
    const err = captureError(() => readProtoExportRequest(bytes.subarray(0, bytes.length - 7)));
    assert.ok(err instanceof PermanentError);
    assert.equal(err.reason, 'invalid_argument');
    assert.match(err.message, /^invalid OTLP protobuf ExportTraceServiceRequest at resource_spans\[0\]/);
  });

  test('a wrong wire type on a known field is refused and named', () => {
    // Field 1 (resource_spans) sent as a varint.
    const err = captureError(() => readProtoExportRequest(Buffer.from([0x08, 0x01])));
    assert.ok(err instanceof PermanentError);
    assert.match(err.message, /resource_spans has wire type 0, expected 2/);
  });

  test('spans with unusable ids are dropped and reported; the others are kept', () => {
    const good = { trace_id: Buffer.alloc(16, 1), span_id: Buffer.alloc(8, 2), name: 'ok' };
    const shortTrace = { trace_id: Buffer.alloc(5, 1), span_id: Buffer.alloc(8, 2), name: 'short' };
    const zeroSpan = { trace_id: Buffer.alloc(16, 1), span_id: Buffer.alloc(8, 0), name: 'zero' };
    const msg = Request.encode(Request.fromObject({ resource_spans: [{ scope_spans: [{ spans: [shortTrace, good, zeroSpan] }] }] })).finish();
    const result = readProtoExportRequest(Buffer.from(msg));
    assert.deepEqual(result.spans.map((s) => s.name), ['ok']);
    assert.equal(result.rejectedSpans, 2);
    assert.equal(result.rejectMessage, '2 spans rejected; first: resource_spans[0].scope_spans[0].spans[0]: trace_id must be 16 bytes, got 5 bytes');
  });
});

describe('field numbers the reader relies on match proto/', () => {
  const expected: [string, string, number][] = [
    ['opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest', 'resource_spans', 1],
    ['opentelemetry.proto.trace.v1.ResourceSpans', 'resource', 1],
    ['opentelemetry.proto.trace.v1.ResourceSpans', 'scope_spans', 2],
    ['opentelemetry.proto.resource.v1.Resource', 'attributes', 1],
    ['opentelemetry.proto.trace.v1.ScopeSpans', 'scope', 1],
    ['opentelemetry.proto.trace.v1.ScopeSpans', 'spans', 2],
    ['opentelemetry.proto.common.v1.InstrumentationScope', 'name', 1],
    ['opentelemetry.proto.common.v1.InstrumentationScope', 'version', 2],
    ['opentelemetry.proto.trace.v1.Span', 'trace_id', 1],
    ['opentelemetry.proto.trace.v1.Span', 'span_id', 2],
    ['opentelemetry.proto.trace.v1.Span', 'trace_state', 3],
    ['opentelemetry.proto.trace.v1.Span', 'parent_span_id', 4],
    ['opentelemetry.proto.trace.v1.Span', 'name', 5],
    ['opentelemetry.proto.trace.v1.Span', 'kind', 6],
    ['opentelemetry.proto.trace.v1.Span', 'start_time_unix_nano', 7],
    ['opentelemetry.proto.trace.v1.Span', 'end_time_unix_nano', 8],
    ['opentelemetry.proto.trace.v1.Span', 'attributes', 9],
    ['opentelemetry.proto.trace.v1.Span', 'events', 11],
    ['opentelemetry.proto.trace.v1.Span', 'links', 13],
    ['opentelemetry.proto.trace.v1.Span', 'status', 15],
    ['opentelemetry.proto.trace.v1.Span.Event', 'time_unix_nano', 1],
    ['opentelemetry.proto.trace.v1.Span.Event', 'name', 2],
    ['opentelemetry.proto.trace.v1.Span.Event', 'attributes', 3],
    ['opentelemetry.proto.trace.v1.Span.Link', 'trace_id', 1],
    ['opentelemetry.proto.trace.v1.Span.Link', 'span_id', 2],
    ['opentelemetry.proto.trace.v1.Span.Link', 'trace_state', 3],
    ['opentelemetry.proto.trace.v1.Span.Link', 'attributes', 4],
    ['opentelemetry.proto.trace.v1.Status', 'message', 2],
    ['opentelemetry.proto.trace.v1.Status', 'code', 3],
    ['opentelemetry.proto.common.v1.KeyValue', 'key', 1],
    ['opentelemetry.proto.common.v1.KeyValue', 'value', 2],
    ['opentelemetry.proto.common.v1.AnyValue', 'string_value', 1],
    ['opentelemetry.proto.common.v1.AnyValue', 'bool_value', 2],
    ['opentelemetry.proto.common.v1.AnyValue', 'int_value', 3],
    ['opentelemetry.proto.common.v1.AnyValue', 'double_value', 4],
    ['opentelemetry.proto.common.v1.AnyValue', 'array_value', 5],
    ['opentelemetry.proto.common.v1.AnyValue', 'kvlist_value', 6],
    ['opentelemetry.proto.common.v1.AnyValue', 'bytes_value', 7],
    ['opentelemetry.proto.common.v1.ArrayValue', 'values', 1],
    ['opentelemetry.proto.common.v1.KeyValueList', 'values', 1],
  ];
  test('every (message, field, number) the reader switches on', () => {
    const actual = expected.map(([type, field]) => [type, field, root.lookupType(type).fields[field]?.id]);
    assert.deepEqual(actual, expected);
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}
