import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PermanentError } from '../pipeline';
import { DEFAULT_READER_LIMITS } from './decode-result';
import { readJsonExportRequest } from './otlp-json-reader';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

function request(span: Record<string, unknown>): string {
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: {}, spans: [span] }] }] });
}

function errorOf(body: string): PermanentError {
  try {
    readJsonExportRequest(body);
  } catch (err) {
    assert.ok(err instanceof PermanentError);
    return err;
  }
  return assert.fail('expected a PermanentError');
}

test('64-bit integers may be strings or numbers and decode the same', () => {
  const asString = readJsonExportRequest(request({ traceId: TRACE, spanId: SPAN, startTimeUnixNano: '1700000000000000000', attributes: [{ key: 'n', value: { intValue: '5' } }] }));
  const asNumber = readJsonExportRequest(request({ traceId: TRACE, spanId: SPAN, startTimeUnixNano: 1700000000000000, attributes: [{ key: 'n', value: { intValue: 5 } }] }));
  assert.equal(asString.spans[0]!.attributes.n, '5');
  assert.equal(asNumber.spans[0]!.attributes.n, '5');
  assert.equal(asString.spans[0]!.startTimeUnixNano, '1700000000000000000');
  assert.equal(asNumber.spans[0]!.startTimeUnixNano, '1700000000000000');
});

test('hex ids are case-insensitive and enums may be integers or names', () => {
  const { spans } = readJsonExportRequest(request({ traceId: TRACE.toUpperCase(), spanId: SPAN, kind: 'SPAN_KIND_CLIENT', status: { code: 2 } }));
  assert.equal(spans[0]!.traceId, TRACE);
  assert.equal(spans[0]!.kind, 3);
  assert.equal(spans[0]!.statusCode, 2);
});

test('proto field names are accepted as the JSON mapping allows', () => {
  const body = JSON.stringify({ resource_spans: [{ scope_spans: [{ spans: [{ trace_id: TRACE, span_id: SPAN, start_time_unix_nano: '12' }] }] }] });
  assert.equal(readJsonExportRequest(body).spans[0]!.startTimeUnixNano, '12');
});

test('invalid JSON is refused with the parser message', () => {
  assert.match(errorOf('{"resourceSpans": [').message, /^invalid JSON: /);
});

test('a malformed value is refused naming its JSON path', () => {
  const err = errorOf(request({ traceId: TRACE, spanId: SPAN, startTimeUnixNano: 'soon' }));
  assert.equal(err.reason, 'invalid_argument');
  assert.equal(err.message, 'invalid OTLP JSON at resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected an unsigned 64-bit integer (string or number), got "soon"');
  assert.match(errorOf(JSON.stringify({ resourceSpans: {} })).message, /at \$\.resourceSpans: expected an array/);
  assert.match(errorOf(request({ traceId: 7 })).message, /spans\[0\]\.traceId: expected a string, got number/);
});

test('spans with bad ids are rejected with a count and the first reason', () => {
  const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [
    { traceId: TRACE, spanId: SPAN },
    { traceId: 'zz', spanId: SPAN },
    { traceId: TRACE, spanId: SPAN, parentSpanId: 'abc' },
  ] }] }] });
  const result = readJsonExportRequest(body);
  assert.equal(result.spans.length, 1);
  assert.equal(result.rejectedSpans, 2);
  assert.equal(result.rejectMessage, "2 spans rejected; first: resourceSpans[0].scopeSpans[0].spans[1]: trace_id must be 16 bytes, got 'zz' (not hex)");
});

test('attribute values past the cap are truncated and attributes past the count dropped; the span is kept and flagged', () => {
  const attributes = [{ key: 'big', value: { stringValue: 'x'.repeat(500) } }, ...Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, value: { intValue: i } }))];
  const result = readJsonExportRequest(request({ traceId: TRACE, spanId: SPAN, attributes }), { ...DEFAULT_READER_LIMITS, maxAttributeValueBytes: 100, maxAttributesPerSpan: 10 });
  const a = result.spans[0]!.attributes;
  assert.equal(a.big!.length, 100);
  assert.equal(Object.keys(a).filter((k) => k.startsWith('k')).length, 9);
  assert.equal(a['spanledger.truncated_attributes'], '4');
  assert.equal(result.truncatedSpans, 1);
  assert.equal(result.rejectedSpans, 0);
});
