import { FINE_USAGE_FIELDS, type CallCost, type NormalizedCall, type Ownership, type PricedCall, type SpanRecord } from '../pipeline';

// Rows are positional arrays for JSONCompactEachRow (measured faster than JSONEachRow);
// the column lists below are the single source of their order.

/** Columns written to `spans`, in row order. */
export const SPAN_COLUMNS = [
  'timestamp', 'end_timestamp', 'trace_id', 'span_id', 'parent_span_id', 'trace_state', 'name', 'kind',
  'status_code', 'status_message', 'duration_ms', 'service_name', 'scope_name', 'scope_version', 'is_llm_call', 'unmapped_llm',
  'attributes_json', 'resource_json', 'events', 'links',
] as const;

/** Columns written to `llm_calls`, in row order; later stages add theirs here. */
export const CALL_COLUMNS = [
  'timestamp', 'end_timestamp', 'trace_id', 'span_id', 'parent_span_id', 'session_id', 'user_id', 'request_id',
  'response_id', 'span_name', 'convention', 'service_name', 'service_namespace', 'service_version',
  'deployment_environment', 'provider', 'operation', 'request_model', 'response_model', 'input_tokens',
  'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'status_code', 'status_message',
  'error_type', 'http_status_code', 'latency_ms', 'attributes_json', 'resource_json',
  'tenant', 'team', 'app', 'feature', 'environment', 'cost_center', 'business_unit', 'ownership_source',
  'unallocated_reason', 'sender_id', 'claimed_tenant', 'claimed_team', 'claimed_feature', 'ownership_conflict',
  'service_tier', 'pricing_status', 'cost_nano_usd', 'computed_cost_nano_usd', 'input_cost_nano_usd',
  'cache_read_cost_nano_usd', 'cache_write_cost_nano_usd', 'output_cost_nano_usd', 'reasoning_cost_nano_usd',
  'provider_reported_cost_nano_usd', 'price_source', 'price_version', 'currency', 'policy_decision_id', 'policy_outcome',
  'sender_kind', 'retry_attempt', 'is_failed', 'writer_id', 'writer_epoch',
  'raw_provider', 'raw_request_model', 'raw_response_model', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'token_rebuild',
  'content_attributes_dropped', 'cost_components', 'list_cost_nano_usd', 'usage_details',
] as const;

/** What the columns added after a row was spooled hold for it, so an older spool still replays. */
const CALL_COLUMN_DEFAULTS: Readonly<Record<string, unknown>> = {
  writer_id: '', writer_epoch: 0, raw_provider: '', raw_request_model: '', raw_response_model: '',
  cache_write_5m_tokens: null, cache_write_1h_tokens: null, token_rebuild: '', content_attributes_dropped: 0,
  cost_components: {}, list_cost_nano_usd: null, usage_details: {},
};

/** Pads a spooled `llm_calls` row written before later columns existed; other rows are returned as they are. */
export function upgradeCallRow(row: unknown[]): unknown[] {
  if (row.length >= CALL_COLUMNS.length) return row;
  const out = row.slice();
  for (let i = row.length; i < CALL_COLUMNS.length; i++) out.push(CALL_COLUMN_DEFAULTS[CALL_COLUMNS[i]!]);
  return out;
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUSES = ['unset', 'ok', 'error'];

/**
 * Nanosecond decimal string to a DateTime64(9) text ClickHouse parses exactly. Ten-digit
 * seconds (2001 to 2286) go as `seconds.nanoseconds`, the fast path; shorter ones are
 * written as a date, because ClickHouse reads eight digits as YYYYMMDD.
 */
export function nanosToDateTime64(nanos: string): string {
  const padded = nanos.padStart(10, '0');
  const seconds = padded.slice(0, -9);
  const frac = padded.slice(-9);
  if (seconds.length === 10) return `${seconds}.${frac}`;
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19).replace('T', ' ')}.${frac}`;
}

/**
 * Serializes resources once per batch: every span of one ResourceSpans shares its
 * resource object, so a request with one resource pays for one JSON.stringify.
 */
export class ResourceJson {
  readonly #seen = new Map<object, string>();
  of(resource: SpanRecord['resource']): string {
    let json = this.#seen.get(resource);
    if (json === undefined) {
      json = JSON.stringify(resource);
      this.#seen.set(resource, json);
    }
    return json;
  }
}

function kindName(kind: number): string {
  return KINDS[kind] ?? 'unspecified';
}

function statusName(code: number): string {
  return STATUSES[code] ?? 'unset';
}

function spanDurationMs(s: SpanRecord): number {
  const d = BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano);
  return d > 0n ? Number(d) / 1e6 : 0;
}

/** One `spans` row. */
export function spanRow(s: SpanRecord, isLlmCall: boolean, resources: ResourceJson, unmapped = false): unknown[] {
  return [
    nanosToDateTime64(s.startTimeUnixNano),
    nanosToDateTime64(s.endTimeUnixNano),
    s.traceId,
    s.spanId,
    s.parentSpanId,
    s.traceState,
    s.name,
    kindName(s.kind),
    statusName(s.statusCode),
    s.statusMessage,
    spanDurationMs(s),
    s.resource['service.name'] ?? '',
    s.scopeName,
    s.scopeVersion,
    isLlmCall ? 1 : 0,
    unmapped ? 1 : 0,
    JSON.stringify(s.attributes),
    resources.of(s.resource),
    s.events.length === 0 ? '[]' : JSON.stringify(s.events.map((e) => ({ time_unix_nano: e.timeUnixNano, name: e.name, attributes: e.attributes }))),
    s.links.length === 0 ? '[]' : JSON.stringify(s.links.map((l) => ({ trace_id: l.traceId, span_id: l.spanId, trace_state: l.traceState, attributes: l.attributes }))),
  ];
}

function ownerColumns(o: Ownership): unknown[] {
  return [
    o.tenant, o.team, o.app, o.feature, o.environment, o.costCenter, o.businessUnit, o.source, o.unallocatedReason,
    o.senderId, o.claimedTenant, o.claimedTeam, o.claimedFeature, o.conflict ? 1 : 0,
  ];
}

// bigint is not JSON; ClickHouse reads Int64 from a quoted decimal exactly.
const big = (v: bigint | null): string | null => (v === null ? null : v.toString());

function bigMap(m: Readonly<Record<string, bigint>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (m !== undefined) for (const k in m) out[k] = m[k]!.toString();
  return out;
}

const FINE_USAGE = Object.entries(FINE_USAGE_FIELDS) as [keyof typeof FINE_USAGE_FIELDS, string][];

/** The finer usage counts the call reports (absent ones left out). */
function usageDetails(c: NormalizedCall): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [field, key] of FINE_USAGE) {
    const v: unknown = c[field];
    if (typeof v === 'number') out[key] = v;
    else if (typeof v === 'bigint') out[key] = v.toString();
  }
  return out;
}

function costColumns(k: CallCost): unknown[] {
  return [
    k.status, big(k.billedNanoUsd), big(k.computedNanoUsd), big(k.inputNanoUsd), big(k.cacheReadNanoUsd),
    big(k.cacheWriteNanoUsd), big(k.outputNanoUsd), big(k.reasoningNanoUsd), big(k.providerReportedNanoUsd),
    k.priceSource, k.priceVersion, k.currency,
  ];
}

/** One `llm_calls` row, of a call the chain owned and priced. */
export function callRow(c: PricedCall, resources: ResourceJson): unknown[] {
  const s = c.span;
  return [
    nanosToDateTime64(s.startTimeUnixNano),
    nanosToDateTime64(s.endTimeUnixNano),
    s.traceId,
    s.spanId,
    s.parentSpanId,
    c.sessionId,
    c.userId,
    c.requestId,
    c.responseId,
    s.name,
    c.convention,
    c.serviceName,
    c.serviceNamespace,
    c.serviceVersion,
    c.deploymentEnvironment,
    c.provider,
    c.operation,
    c.requestModel,
    c.responseModel,
    c.inputTokens,
    c.outputTokens,
    c.cacheReadTokens,
    c.cacheWriteTokens,
    c.reasoningTokens,
    statusName(s.statusCode),
    s.statusMessage,
    c.errorType,
    c.httpStatusCode,
    c.latencyMs,
    JSON.stringify(c.callAttributes ?? s.attributes),
    resources.of(s.resource),
    ...ownerColumns(c.owner),
    c.serviceTier,
    ...costColumns(c.cost),
    c.policy?.decisionId ?? '',
    c.policy?.outcome ?? '',
    c.owner.senderKind,
    Math.min(c.retryAttempt, 65535),
    s.statusCode === 2 || c.errorType !== '' || (c.httpStatusCode ?? 0) >= 400 ? 1 : 0,
    c.writer?.writerId ?? '',
    c.writer?.epoch ?? 0,
    c.rawProvider ?? c.provider,
    c.rawRequestModel ?? c.requestModel,
    c.rawResponseModel ?? c.responseModel,
    c.cacheWrite5mTokens ?? null,
    c.cacheWrite1hTokens ?? null,
    c.tokenRebuild ?? '',
    c.contentAttributesDropped ?? 0,
    bigMap(c.cost.componentsNanoUsd),
    big(listCost(c.cost)),
    usageDetails(c),
  ];
}

/**
 * The call's list cost (catalog price before negotiated overrides): the pricer's when it
 * gives one; otherwise the billed cost when the catalog priced the call (no override
 * applied); otherwise not known (NULL).
 */
function listCost(k: CallCost): bigint | null {
  if (k.listNanoUsd !== undefined) return k.listNanoUsd;
  return k.priceSource === 'catalog' ? k.billedNanoUsd : null;
}
