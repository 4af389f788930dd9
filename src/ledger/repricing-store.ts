import type { ClickHouseClient } from '@clickhouse/client';
import { FINE_USAGE_FIELDS } from '../pipeline';

/** A stored call as re-rating needs it. Money fields are exact decimal strings. */
export interface StoredCall {
  traceId: string;
  spanId: string;
  startNanos: string;
  provider: string;
  requestModel: string;
  responseModel: string;
  serviceTier: string;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  reasoningTokens: number | null;
  attributesJson: string;
  /** The finer usage counts as ingested (`usage_details`), by call field; absent when not reported. */
  fineUsage: Partial<Record<keyof typeof FINE_USAGE_FIELDS, number>>;
  /** Billed cost as ingested (null when it was not priced). */
  costNanoUsd: string | null;
  /** Sum of earlier adjustments to this call. */
  adjustedNanoUsd: string;
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

/** Calls that started in [fromMs, toMs), each once (FINAL), with earlier adjustments summed. */
export async function readCallsForRepricing(client: ClickHouseClient, db: string, fromMs: number, toMs: number): Promise<StoredCall[]> {
  const rs = await client.query({
    query: `SELECT c.trace_id AS traceId, c.span_id AS spanId, toString(toUnixTimestamp64Nano(c.timestamp)) AS startNanos,
        c.provider AS provider, c.request_model AS requestModel, c.response_model AS responseModel, c.service_tier AS serviceTier,
        c.input_tokens AS inputTokens, c.output_tokens AS outputTokens, c.cache_read_tokens AS cacheReadTokens,
        c.cache_write_tokens AS cacheWriteTokens, c.reasoning_tokens AS reasoningTokens, c.attributes_json AS attributesJson,
        mapApply((k, v) -> (k, toString(v)), c.usage_details) AS usageDetails,
        if(isNull(c.cost_nano_usd), NULL, toString(c.cost_nano_usd)) AS costNanoUsd, toString(ifNull(a.adjusted, 0)) AS adjustedNanoUsd,
        c.price_version AS priceVersion, c.tenant AS tenant, c.team AS team, c.app AS app, c.feature AS feature
      FROM ${db}.llm_calls AS c FINAL
      LEFT JOIN (
        SELECT trace_id, span_id, sum(delta_nano_usd) AS adjusted FROM ${db}.cost_adjustments FINAL GROUP BY trace_id, span_id
      ) AS a ON a.trace_id = c.trace_id AND a.span_id = c.span_id
      WHERE c.timestamp >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND c.timestamp < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
      ORDER BY c.timestamp`,
    query_params: { from: fromMs, to: toMs },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<Omit<StoredCall, 'fineUsage'> & { usageDetails: Record<string, string> }>();
  return rows.map(({ usageDetails, ...row }) => ({ ...row, fineUsage: fineUsageOf(usageDetails) }));
}

const FIELD_OF_KEY = new Map<string, keyof typeof FINE_USAGE_FIELDS>(Object.entries(FINE_USAGE_FIELDS).map(([field, key]) => [key, field as keyof typeof FINE_USAGE_FIELDS]));

function fineUsageOf(details: Record<string, string>): StoredCall['fineUsage'] {
  const out: StoredCall['fineUsage'] = {};
  for (const key in details) {
    const field = FIELD_OF_KEY.get(key);
    if (field !== undefined) out[field] = Number(details[key]);
  }
  return out;
}

/** Stores adjustment rows in `cost_adjustments`. */
export async function writeAdjustments(client: ClickHouseClient, db: string, rows: readonly CostAdjustment[]): Promise<void> {
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
      original_cost_nano_usd: r.call.costNanoUsd,
      repriced_cost_nano_usd: r.repricedNanoUsd === null ? null : r.repricedNanoUsd.toString(),
      delta_nano_usd: r.deltaNanoUsd.toString(),
      original_price_version: r.call.priceVersion,
      repriced_price_version: r.repricedPriceVersion,
      reason: r.reason,
    })),
  });
}
