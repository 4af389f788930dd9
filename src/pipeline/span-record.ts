/**
 * Attribute values flattened to strings: strings as sent, numbers and booleans in their
 * decimal / `true`/`false` form, bytes as base64, arrays and key-value lists as JSON.
 * One representation serves normalization (which parses the few numbers it needs) and
 * storage (a ClickHouse `Map(String, String)`), so a span's attributes are built once.
 */
export type Attributes = Record<string, string>;

/** A span event, kept for drill-down. */
export interface SpanEvent {
  timeUnixNano: string;
  name: string;
  attributes: Attributes;
}

/** A link to another span. */
export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attributes;
}

/**
 * One received span, flat: ids are lowercase hex, times are unsigned decimal
 * nanosecond strings (they exceed 2^53). `resource` is shared by every span of one
 * ResourceSpans; treat it as read-only.
 */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  traceState: string;
  name: string;
  /** OTLP SpanKind number (0 unspecified .. 5 consumer). */
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  /** OTLP StatusCode number (0 unset, 1 ok, 2 error). */
  statusCode: number;
  statusMessage: string;
  attributes: Attributes;
  resource: Attributes;
  scopeName: string;
  scopeVersion: string;
  events: SpanEvent[];
  links: SpanLink[];
}
