import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_READER_LIMITS, TRUNCATED_ATTRIBUTE, type ReaderLimits } from './decode-result';
import { readJsonExportRequest } from './otlp-json-reader';
import { readProtoExportRequest } from './otlp-proto-reader';
import { loadOtlpRoot } from './proto-schema';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';
const LIMITS: ReaderLimits = {
  ...DEFAULT_READER_LIMITS,
  maxAttributeKeyBytes: 40,
  maxNameBytes: 50,
  maxEventsPerSpan: 3,
  maxLinksPerSpan: 2,
  maxAttributesPerEvent: 2,
  maxResourceAttributes: 9,
  maxResourceAttributeValueBytes: 100,
};

const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });

/** One span with a 10 KiB name, long keys, too many events and links, and a large resource. */
function hostile(): object {
  return {
    resourceSpans: [
      {
        resource: { attributes: [kv('service.name', 'svc'), kv('blob', 'r'.repeat(10_000)), ...Array.from({ length: 10 }, (_, i) => kv(`res.${i}`, 'v'))] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: TRACE,
                spanId: SPAN,
                name: 'n'.repeat(10_240),
                attributes: [kv('k'.repeat(1000), 'long key'), kv('ok', 'fine')],
                events: Array.from({ length: 5 }, (_, i) => ({ name: `e${i}`.padEnd(i === 0 ? 500 : 2, 'e'), attributes: [kv('a', '1'), kv('b', '2'), kv('c', '3')] })),
                links: Array.from({ length: 4 }, () => ({ traceId: TRACE, spanId: SPAN, attributes: [kv('a', '1'), kv('b', '2'), kv('c', '3')] })),
              },
            ],
          },
        ],
      },
    ],
  };
}

/** The same document with proto field names and byte ids, for protobufjs (loaded with keepCase). */
function snakeCase(v: unknown, key = ''): unknown {
  if ((key === 'traceId' || key === 'spanId') && typeof v === 'string') return Buffer.from(v, 'hex');
  if (Array.isArray(v)) return v.map((x) => snakeCase(x));
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeCase(x, k)]));
}

test('names, keys, events, links and resources are capped with the truncation marker, the same in JSON and protobuf', () => {
  const doc = hostile();
  const Request = loadOtlpRoot().lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  const proto = Buffer.from(Request.encode(Request.fromObject(snakeCase(doc) as object)).finish());
  for (const result of [readJsonExportRequest(JSON.stringify(doc), LIMITS), readProtoExportRequest(proto, LIMITS)]) {
    assert.equal(result.truncatedSpans, 1);
    const span = result.spans[0]!;
    assert.equal(span.name, 'n'.repeat(50));
    assert.equal(span.attributes['k'.repeat(40)], 'long key');
    assert.equal(span.attributes.ok, 'fine');
    assert.equal(span.events.length, 3);
    assert.equal(span.events[0]!.name.length, 50);
    assert.deepEqual(span.events.map((e) => Object.keys(e.attributes)), [['a', 'b'], ['a', 'b'], ['a', 'b']]);
    assert.equal(span.links.length, 2);
    assert.deepEqual(span.links.map((l) => Object.keys(l.attributes)), [['a', 'b'], ['a', 'b']]);
    // name 1 + key 1 + events dropped 2 + event name 1 + event attributes 3 + links dropped 2 + link attributes 2
    assert.equal(span.attributes[TRUNCATED_ATTRIBUTE], '12');
    // blob value 1 + resource attributes past 9: 12 - 9 = 3
    assert.equal(span.resource.blob!.length, 100);
    assert.equal(span.resource[TRUNCATED_ATTRIBUTE], '4');
    assert.equal(span.resource['service.name'], 'svc');
  }
});

test('a span within every cap is left untouched and not flagged', () => {
  const result = readJsonExportRequest(JSON.stringify({ resourceSpans: [{ resource: { attributes: [kv('service.name', 'svc')] }, scopeSpans: [{ spans: [{ traceId: TRACE, spanId: SPAN, name: 'chat', attributes: [kv('a', 'b')], events: [{ name: 'e' }] }] }] }] }), LIMITS);
  assert.equal(result.truncatedSpans, 0);
  assert.deepEqual(result.spans[0]!.attributes, { a: 'b' });
  assert.deepEqual(result.spans[0]!.resource, { 'service.name': 'svc' });
});
