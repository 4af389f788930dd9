import type { ClickHouseClient } from '@clickhouse/client';
import { FINE_USAGE_FIELDS, type Attributes } from '../pipeline';

/** A count as stored: a JS integer, or a bigint beyond 2^53; null when not reported. */
type StoredCount = number | bigint | null;

type FineUsageField = keyof typeof FINE_USAGE_FIELDS;

/** A stored call as re-rating reads it. Money in exact nano-USD. */
export interface StoredCall {
  traceId: string;
  spanId: string;
  /** The call's start, nanoseconds since the epoch (decimal). */
  startNanos: string;
  startMs: number;
  provider: string;
  requestModel: string;
  responseModel: string;
  serviceTier: string;
  /** The token columns, and the finer counts of `usage_details` under their call field names. */
  usage: { inputTokens: StoredCount; outputTokens: StoredCount; cacheReadTokens: StoredCount; cacheWriteTokens: StoredCount; reasoningTokens: StoredCount } & Partial<
    Record<FineUsageField, number | bigint>
  >;
  /** The call row's attributes. */
  attributes: Attributes;
  /** Billed cost as ingested (null when it was not priced). */
  costNanoUsd: bigint | null;
  /** Sum of earlier adjustments to this call. */
  adjustedNanoUsd: bigint;
  priceVersion: string;
  tenant: string;
  team: string;
  app: string;
  feature: string;
}

/** One adjustment row; the original ledger row is never touched. */
export interface CostAdjustment {
  runId: string;
  call: StoredCall;
  repricedNanoUsd: bigint | null;
  deltaNanoUsd: bigint;
  repricedPriceVersion: string;
  reason: string;
}

/** Re-rating's reads and writes on the ledger. */
export interface RepricingStore {
  /**
   * Calls that started in [fromMs, toMs), each once (FINAL), with earlier adjustments summed,
   * in start order, in batches of at most `batchRows`. Rows are streamed from the engine a
   * UTC day at a time (one query each), so no period is held in memory; stopping early
   * (a `break`, a throw) closes the stream in flight.
   */
  storedCalls(fromMs: number, toMs: number): AsyncGenerator<StoredCall[]>;
  /** Stores adjustment rows in `cost_adjustments`. */
  writeAdjustments(rows: readonly CostAdjustment[]): Promise<void>;
}

const DAY_MS = 86_400_000;

/** The re-rating store over the ledger database `db`; `batchRows` bounds each batch of calls (default 2,000). */
export function createRepricingStore(client: ClickHouseClient, db: string, opts: { batchRows?: number } = {}): RepricingStore {
  const batchRows = opts.batchRows ?? 2000;
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new RangeError(`batchRows must be a positive integer, got ${batchRows}`);
  return {
    async *storedCalls(fromMs, toMs) {
      for (let dayStart = fromMs; dayStart < toMs; dayStart += DAY_MS) {
        const rs = await client.query({ query: callsQuery(db), query_params: { from: dayStart, to: Math.min(dayStart + DAY_MS, toMs) }, format: 'JSONEachRow' });
        let batch: StoredCall[] = [];
        for await (const rows of rs.stream<RawCall>()) {
          for (const row of rows) {
            batch.push(decode(row.json()));
            if (batch.length >= batchRows) {
              yield batch;
              batch = [];
            }
          }
        }
        if (batch.length > 0) yield batch;
      }
    },
    writeAdjustments: (rows) => writeAdjustments(client, db, rows),
  };
}

// Counts and money as text: exact whatever the engine's JSON quoting of 64-bit integers.
function callsQuery(db: string): string {
  return `SELECT c.trace_id AS traceId, c.span_id AS spanId, toString(toUnixTimestamp64Nano(c.timestamp)) AS startNanos,
        c.provider AS provider, c.request_model AS requestModel, c.response_model AS responseModel, c.service_tier AS serviceTier,
        toString(c.input_tokens) AS inputTokens, toString(c.output_tokens) AS outputTokens, toString(c.cache_read_tokens) AS cacheReadTokens,
        toString(c.cache_write_tokens) AS cacheWriteTokens, toString(c.reasoning_tokens) AS reasoningTokens, c.attributes_json AS attributesJson,
        mapApply((k, v) -> (k, toString(v)), c.usage_details) AS usageDetails,
        toString(c.cost_nano_usd) AS costNanoUsd, toString(ifNull(a.adjusted, 0)) AS adjustedNanoUsd,
        c.price_version AS priceVersion, c.tenant AS tenant, c.team AS team, c.app AS app, c.feature AS feature
      FROM ${db}.llm_calls AS c FINAL
      LEFT JOIN (
        SELECT trace_id, span_id, sum(delta_nano_usd) AS adjusted FROM ${db}.cost_adjustments FINAL
        WHERE timestamp >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND timestamp < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
        GROUP BY trace_id, span_id
      ) AS a ON a.trace_id = c.trace_id AND a.span_id = c.span_id
      WHERE c.timestamp >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND c.timestamp < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
      ORDER BY c.timestamp`;
}

interface RawCall {
  traceId: string;
  spanId: string;
  startNanos: string;
  provider: string;
  requestModel: string;
  responseModel: string;
  serviceTier: string;
  inputTokens: string | null;
  outputTokens: string | null;
  cacheReadTokens: string | null;
  cacheWriteTokens: string | null;
  reasoningTokens: string | null;
  attributesJson: string;
  usageDetails: Record<string, string>;
  costNanoUsd: string | null;
  adjustedNanoUsd: string;
  priceVersion: string;
  tenant: string;
  team: string;
  app: string;
  feature: string;
}

const FIELD_OF_KEY = new Map<string, FineUsageField>(Object.entries(FINE_USAGE_FIELDS).map(([field, key]) => [key, field as FineUsageField]));

/** A stored count: a number while exact, else a bigint. */
function count(v: string): number | bigint {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : BigInt(v);
}

const countOrNull = (v: string | null): StoredCount => (v === null ? null : count(v));

function decode(r: RawCall): StoredCall {
  const usage: StoredCall['usage'] = {
    inputTokens: countOrNull(r.inputTokens),
    outputTokens: countOrNull(r.outputTokens),
    cacheReadTokens: countOrNull(r.cacheReadTokens),
    cacheWriteTokens: countOrNull(r.cacheWriteTokens),
    reasoningTokens: countOrNull(r.reasoningTokens),
  };
  for (const key in r.usageDetails) {
    const field = FIELD_OF_KEY.get(key);
    if (field !== undefined) usage[field] = count(r.usageDetails[key]!);
  }
  return {
    traceId: r.traceId,
    spanId: r.spanId,
    startNanos: r.startNanos,
    startMs: r.startNanos.length > 6 ? Number(r.startNanos.slice(0, -6)) : 0,
    provider: r.provider,
    requestModel: r.requestModel,
    responseModel: r.responseModel,
    serviceTier: r.serviceTier,
    usage,
    attributes: JSON.parse(r.attributesJson || '{}') as Attributes,
    costNanoUsd: r.costNanoUsd === null ? null : BigInt(r.costNanoUsd),
    adjustedNanoUsd: BigInt(r.adjustedNanoUsd),
    priceVersion: r.priceVersion,
    tenant: r.tenant,
    team: r.team,
    app: r.app,
    feature: r.feature,
  };
}

/** Stores adjustment rows in `cost_adjustments`. */
async function writeAdjustments(client: ClickHouseClient, db: string, rows: readonly CostAdjustment[]): Promise<void> {
  if (rows.length === 0) return;
  await client.insert({
    table: `${db}.cost_adjustments`,
    format: 'JSONEachRow',
    values: rows.map((r) => ({
      run_id: r.runId,
      timestamp: `${r.call.startNanos.slice(0, -9) || '0'}.${r.call.startNanos.slice(-9).padStart(9, '0')}`,
      trace_id: r.call.traceId,
      span_id: r.call.spanId,
      tenant: r.call.tenant,
      team: r.call.team,
      app: r.call.app,
      feature: r.call.feature,
      provider: r.call.provider,
      request_model: r.call.requestModel,
      original_cost_nano_usd: r.call.costNanoUsd === null ? null : r.call.costNanoUsd.toString(),
      repriced_cost_nano_usd: r.repricedNanoUsd === null ? null : r.repricedNanoUsd.toString(),
      delta_nano_usd: r.deltaNanoUsd.toString(),
      original_price_version: r.call.priceVersion,
      repriced_price_version: r.repricedPriceVersion,
      reason: r.reason,
    })),
  });
}
