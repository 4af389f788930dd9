import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PermanentError } from '../pipeline';
import { MAX_VALUE_DEPTH } from './decode-result';
import { readJsonExportRequest } from './otlp-json-reader';
import { readProtoExportRequest } from './otlp-proto-reader';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

function field(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), varint(body.length), body]);
}

/**
 * An AnyValue of `depth` nested array values around a string. Length-delimited nesting
 * only has prefixes, so the headers are written outside in and the bytes stay linear.
 */
function deepProtoValue(depth: number): Buffer {
  const inner = field(0x0a, Buffer.from('x')); // AnyValue.string_value = 1
  const levels: { arrayBytes: number; innerBytes: number }[] = [];
  let size = inner.length;
  for (let i = 0; i < depth; i++) {
    const arrayBytes = 1 + varint(size).length + size; // ArrayValue.values = 1
    levels.push({ arrayBytes, innerBytes: size });
    size = 1 + varint(arrayBytes).length + arrayBytes; // AnyValue.array_value = 5
  }
  const headers: Buffer[] = [];
  for (let i = levels.length - 1; i >= 0; i--) {
    headers.push(Buffer.from([0x2a]), varint(levels[i]!.arrayBytes), Buffer.from([0x0a]), varint(levels[i]!.innerBytes));
  }
  return Buffer.concat([...headers, inner]);
}

function protoRequest(value: Buffer): Buffer {
  const kv = Buffer.concat([field(0x0a, Buffer.from('deep')), field(0x12, value)]);
  const span = Buffer.concat([field(0x0a, Buffer.from(TRACE, 'hex')), field(0x12, Buffer.from(SPAN, 'hex')), field(0x4a, kv)]);
  return field(0x0a, field(0x12, field(0x12, span)));
}

function jsonRequest(depth: number): string {
  const open = '{"arrayValue":{"values":['.repeat(depth);
  const close = ']}}'.repeat(depth);
  const attr = `{"key":"deep","value":${open}{"stringValue":"x"}${close}}`;
  return `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"${SPAN}","attributes":[${attr}]}]}]}]}`;
}

function refusal(run: () => unknown): PermanentError {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof PermanentError, `expected a PermanentError, got ${String(err)}`);
    return err;
  }
  return assert.fail('expected a refusal');
}

test('the deep-value builder encodes what it claims (a shallow value round-trips)', () => {
  const { spans } = readProtoExportRequest(protoRequest(deepProtoValue(2)));
  assert.equal(spans[0]!.attributes.deep, '[["x"]]');
  assert.equal(readJsonExportRequest(jsonRequest(2)).spans[0]!.attributes.deep, '[["x"]]');
});

test(`values nested up to ${MAX_VALUE_DEPTH} levels are kept by both readers`, () => {
  const expected = `${'['.repeat(MAX_VALUE_DEPTH)}"x"${']'.repeat(MAX_VALUE_DEPTH)}`;
  assert.equal(readProtoExportRequest(protoRequest(deepProtoValue(MAX_VALUE_DEPTH))).spans[0]!.attributes.deep, expected);
  assert.equal(readJsonExportRequest(jsonRequest(MAX_VALUE_DEPTH)).spans[0]!.attributes.deep, expected);
});

test('protobuf nested past the limit is a plain invalid_argument naming the span, not a stack overflow', () => {
  for (const depth of [MAX_VALUE_DEPTH + 1, 100_000]) {
    const err = refusal(() => readProtoExportRequest(protoRequest(deepProtoValue(depth))));
    assert.equal(err.reason, 'invalid_argument');
    assert.equal(err.message, `invalid OTLP protobuf ExportTraceServiceRequest at resource_spans[0].scope_spans[0].spans[0]: attribute value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  }
});

test('JSON nested past the limit is a plain invalid_argument naming the attribute, not a stack overflow', () => {
  for (const depth of [MAX_VALUE_DEPTH + 1, 100_000]) {
    const err = refusal(() => readJsonExportRequest(jsonRequest(depth)));
    assert.equal(err.reason, 'invalid_argument');
    assert.equal(err.message, `invalid OTLP JSON at resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value: nested deeper than ${MAX_VALUE_DEPTH} levels`);
  }
});
