import type { Attributes, SpanEvent, SpanLink, SpanRecord } from '../pipeline';
import { PermanentError } from '../pipeline';
import { DEFAULT_READER_LIMITS, MAX_VALUE_DEPTH, Rejections, TRUNCATED_ATTRIBUTE, type DecodeResult, type ReaderLimits } from './decode-result';
import { capResource, capSpan } from './span-caps';
import { timeWindowProblem } from './time-window';
import { spanIdProblem, spanTimeProblem } from './span-ids';

// OTLP/JSON is the protobuf JSON mapping with OTLP's own rules: ids are hex strings,
// enums are integers, 64-bit integers may be strings or numbers, keys are lowerCamelCase
// (the proto names are accepted too, as the JSON mapping allows). No library turns this
// into flat records without building the full message tree first, hence this walker.

type Json = Record<string, unknown>;

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest` into flat span records. Throws
 * PermanentError('invalid_argument') naming the JSON path of the first malformed value.
 */
export function readJsonExportRequest(body: Buffer | string, limits: ReaderLimits = DEFAULT_READER_LIMITS): DecodeResult {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (err) {
    throw new PermanentError('invalid_argument', `invalid JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw bad('$', 'expected an object');
  const spans: SpanRecord[] = [];
  const rejections = new Rejections();
  let capped = 0;
  const resourceSpans = list(doc, 'resourceSpans', 'resource_spans', '$');
  for (let i = 0; i < resourceSpans.length; i++) {
    const rsPath = `resourceSpans[${i}]`;
    const rs = obj(resourceSpans[i], rsPath);
    const resObj = field(rs, 'resource', 'resource');
    const resource = resObj === undefined ? {} : attributes(obj(resObj, `${rsPath}.resource`), `${rsPath}.resource`);
    capResource(resource, limits);
    const scopeSpans = list(rs, 'scopeSpans', 'scope_spans', rsPath);
    for (let j = 0; j < scopeSpans.length; j++) {
      const ssPath = `${rsPath}.scopeSpans[${j}]`;
      const ss = obj(scopeSpans[j], ssPath);
      const scopeObj = field(ss, 'scope', 'scope');
      const scope = scopeObj === undefined ? {} : obj(scopeObj, `${ssPath}.scope`);
      const scopeName = str(scope, 'name', 'name', `${ssPath}.scope`);
      const scopeVersion = str(scope, 'version', 'version', `${ssPath}.scope`);
      const items = list(ss, 'spans', 'spans', ssPath);
      for (let k = 0; k < items.length; k++) {
        const path = `${ssPath}.spans[${k}]`;
        const span = readSpan(obj(items[k], path), path, resource, scopeName, scopeVersion);
        if (capSpan(span, limits) > 0 || resource[TRUNCATED_ATTRIBUTE] !== undefined) capped++;
        const problem = spanIdProblem(span.traceId, span.spanId, span.parentSpanId) ?? spanTimeProblem(span.startTimeUnixNano, span.endTimeUnixNano);
        const outside = problem === null && limits.window !== undefined ? timeWindowProblem(span.startTimeUnixNano, span.endTimeUnixNano, limits.window) : null;
        if (problem !== null) rejections.add(path, problem);
        else if (outside !== null) rejections.add(path, outside.why, outside.reason);
        else spans.push(span);
      }
    }
  }
  return { spans, rejectedSpans: rejections.count, rejectedByReason: rejections.byReason, rejectMessage: rejections.message(), truncatedSpans: capped };
}

function readSpan(s: Json, path: string, resource: Attributes, scopeName: string, scopeVersion: string): SpanRecord {
  const statusObj = field(s, 'status', 'status');
  const status = statusObj === undefined ? {} : obj(statusObj, `${path}.status`);
  const events = list(s, 'events', 'events', path).map((e, i) => readEvent(obj(e, `${path}.events[${i}]`), `${path}.events[${i}]`));
  const links = list(s, 'links', 'links', path).map((l, i) => readLink(obj(l, `${path}.links[${i}]`), `${path}.links[${i}]`));
  return {
    traceId: str(s, 'traceId', 'trace_id', path).toLowerCase(),
    spanId: str(s, 'spanId', 'span_id', path).toLowerCase(),
    parentSpanId: str(s, 'parentSpanId', 'parent_span_id', path).toLowerCase(),
    traceState: str(s, 'traceState', 'trace_state', path),
    name: str(s, 'name', 'name', path),
    kind: enumValue(field(s, 'kind', 'kind'), SPAN_KINDS, `${path}.kind`),
    startTimeUnixNano: uint64(field(s, 'startTimeUnixNano', 'start_time_unix_nano'), `${path}.startTimeUnixNano`),
    endTimeUnixNano: uint64(field(s, 'endTimeUnixNano', 'end_time_unix_nano'), `${path}.endTimeUnixNano`),
    statusCode: enumValue(field(status, 'code', 'code'), STATUS_CODES, `${path}.status.code`),
    statusMessage: str(status, 'message', 'message', `${path}.status`),
    attributes: attributes(s, path),
    resource,
    scopeName,
    scopeVersion,
    events,
    links,
  };
}

function readEvent(e: Json, path: string): SpanEvent {
  return {
    timeUnixNano: uint64(field(e, 'timeUnixNano', 'time_unix_nano'), `${path}.timeUnixNano`),
    name: str(e, 'name', 'name', path),
    attributes: attributes(e, path),
  };
}

function readLink(l: Json, path: string): SpanLink {
  return {
    traceId: str(l, 'traceId', 'trace_id', path).toLowerCase(),
    spanId: str(l, 'spanId', 'span_id', path).toLowerCase(),
    traceState: str(l, 'traceState', 'trace_state', path),
    attributes: attributes(l, path),
  };
}

function attributes(holder: Json, path: string): Attributes {
  const out: Attributes = {};
  const kvs = list(holder, 'attributes', 'attributes', path);
  for (let i = 0; i < kvs.length; i++) {
    const kvPath = `${path}.attributes[${i}]`;
    const kv = obj(kvs[i], kvPath);
    const key = str(kv, 'key', 'key', kvPath);
    const v = field(kv, 'value', 'value');
    const value = v === undefined || v === null ? null : topValue(obj(v, `${kvPath}.value`), `${kvPath}.value`);
    out[key] = value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

// Thrown from deep inside a value and turned into a refusal naming the attribute itself.
const TOO_DEEP = new Error('too deep');

/** An attribute's value; nesting past MAX_VALUE_DEPTH is refused rather than recursed into. */
function topValue(v: Json, path: string): Value {
  try {
    return anyValue(v, path, 0);
  } catch (err) {
    if (err === TOO_DEEP) throw bad(path, `nested deeper than ${MAX_VALUE_DEPTH} levels`);
    throw err;
  }
}

/** AnyValue to a JS value: scalars at top level are turned into strings by the caller. */
function anyValue(v: Json, path: string, depth: number): Value {
  if ('stringValue' in v || 'string_value' in v) return str(v, 'stringValue', 'string_value', path);
  if ('boolValue' in v || 'bool_value' in v) {
    const b = field(v, 'boolValue', 'bool_value');
    if (typeof b !== 'boolean') throw bad(`${path}.boolValue`, 'expected a boolean');
    return String(b);
  }
  if ('intValue' in v || 'int_value' in v) return int64(field(v, 'intValue', 'int_value'), `${path}.intValue`);
  if ('doubleValue' in v || 'double_value' in v) {
    const d = field(v, 'doubleValue', 'double_value');
    const n = typeof d === 'string' ? Number(d) : d;
    if (typeof n !== 'number' || (Number.isNaN(n) && d !== 'NaN')) throw bad(`${path}.doubleValue`, 'expected a number');
    return String(n);
  }
  if ('bytesValue' in v || 'bytes_value' in v) return str(v, 'bytesValue', 'bytes_value', path);
  if ('arrayValue' in v || 'array_value' in v) {
    const a = obj(field(v, 'arrayValue', 'array_value'), `${path}.arrayValue`);
    return list(a, 'values', 'values', `${path}.arrayValue`).map((x, i) => nested(x, `${path}.arrayValue.values[${i}]`, depth + 1));
  }
  if ('kvlistValue' in v || 'kvlist_value' in v) {
    const kl = obj(field(v, 'kvlistValue', 'kvlist_value'), `${path}.kvlistValue`);
    const out: { [k: string]: Value } = {};
    const kvs = list(kl, 'values', 'values', `${path}.kvlistValue`);
    for (let i = 0; i < kvs.length; i++) {
      const kvPath = `${path}.kvlistValue.values[${i}]`;
      const kv = obj(kvs[i], kvPath);
      const inner = field(kv, 'value', 'value');
      out[str(kv, 'key', 'key', kvPath)] = inner === undefined || inner === null ? null : nested(inner, `${kvPath}.value`, depth + 1);
    }
    return out;
  }
  return null;
}

/** Nested values keep JSON types (numbers stay numbers), matching the protobuf reader. */
function nested(x: unknown, path: string, depth: number): Value {
  if (depth > MAX_VALUE_DEPTH) throw TOO_DEEP;
  const v = anyValue(obj(x, path), path, depth);
  if (typeof v !== 'string') return v;
  const o = x as Json;
  if ('boolValue' in o || 'bool_value' in o) return v === 'true';
  if ('intValue' in o || 'int_value' in o) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v;
  }
  if ('doubleValue' in o || 'double_value' in o) return Number(v);
  return v;
}

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

function enumValue(v: unknown, names: Record<string, number>, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  // OTLP says integers; the protobuf JSON mapping also allows the names, so accept both.
  if (typeof v === 'string' && v in names) return names[v]!;
  throw bad(path, `expected an integer enum value, got ${JSON.stringify(v)}`);
}

const DIGITS = /^\d+$/;
const SIGNED_DIGITS = /^-?\d+$/;

function uint64(v: unknown, path: string): string {
  if (v === undefined || v === null) return '0';
  if (typeof v === 'string' && DIGITS.test(v) && v.length <= 20) return v.replace(/^0+(?=\d)/, '');
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  throw bad(path, `expected an unsigned 64-bit integer (string or number), got ${JSON.stringify(v)}`);
}

function int64(v: unknown, path: string): string {
  if (typeof v === 'string' && SIGNED_DIGITS.test(v) && v.length <= 20) return String(BigInt(v));
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  throw bad(path, `expected a 64-bit integer (string or number), got ${JSON.stringify(v)}`);
}

function field(o: Json, camel: string, snake: string): unknown {
  const v = o[camel];
  return v === undefined ? o[snake] : v;
}

function str(o: Json, camel: string, snake: string, path: string): string {
  const v = field(o, camel, snake);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw bad(`${path}.${camel}`, `expected a string, got ${typeof v}`);
  return v;
}

function list(o: Json, camel: string, snake: string, path: string): unknown[] {
  const v = field(o, camel, snake);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(`${path}.${camel}`, 'expected an array');
  return v;
}

function obj(v: unknown, path: string): Json {
  if (!isObject(v)) throw bad(path, 'expected an object');
  return v;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(path: string, why: string): PermanentError {
  return new PermanentError('invalid_argument', `invalid OTLP JSON at ${path}: ${why}`);
}
