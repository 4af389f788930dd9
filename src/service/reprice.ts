import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { readCallsForRepricing, writeAdjustments, type CostAdjustment, type StoredCall } from '../ledger';
import type { LlmCall } from '../pipeline';
import { createPricer, formatNanoUsd, type PriceBook, type PricingConfig } from '../pricing';

/** What a re-rating run did. Money as exact decimal strings. */
export interface RepriceSummary {
  runId: string;
  from: string;
  to: string;
  calls: number;
  adjusted: number;
  /** Calls the current price book cannot price; left as they were. */
  unpriced: number;
  deltaNanoUsd: string;
  deltaUsd: string;
}

const DAY_MS = 86_400_000;

/**
 * Re-rates the calls that started in [from, to) under the current price book and writes
 * one adjustment row per call whose billed cost changes (against its cost plus earlier
 * adjustments, so re-running is harmless). Original ledger rows are never rewritten.
 * Works a day at a time to bound memory.
 */
export async function reprice(
  client: ClickHouseClient,
  db: string,
  book: PriceBook,
  billing: PricingConfig['billing'],
  period: { fromMs: number; toMs: number; reason: string },
): Promise<RepriceSummary> {
  const runId = randomUUID();
  const price = createPricer(book, billing);
  let calls = 0;
  let adjusted = 0;
  let unpriced = 0;
  let delta = 0n;
  for (let dayStart = period.fromMs; dayStart < period.toMs; dayStart += DAY_MS) {
    const stored = await readCallsForRepricing(client, db, dayStart, Math.min(dayStart + DAY_MS, period.toMs));
    const rows: CostAdjustment[] = [];
    for (const s of stored) {
      calls++;
      const call = asCall(s);
      price([call]);
      const repriced = call.cost!.billedNanoUsd;
      if (repriced === null) {
        unpriced++;
        continue;
      }
      const current = BigInt(s.costNanoUsd ?? '0') + BigInt(s.adjustedNanoUsd);
      const d = repriced - current;
      if (d === 0n) continue;
      rows.push({ runId, call: s, repricedNanoUsd: repriced, deltaNanoUsd: d, repricedPriceVersion: call.cost!.priceVersion, reason: period.reason });
      adjusted++;
      delta += d;
    }
    await writeAdjustments(client, db, rows);
  }
  return {
    runId,
    from: new Date(period.fromMs).toISOString(),
    to: new Date(period.toMs).toISOString(),
    calls,
    adjusted,
    unpriced,
    deltaNanoUsd: delta.toString(),
    deltaUsd: formatNanoUsd(delta),
  };
}

function asCall(s: StoredCall): LlmCall {
  return {
    span: {
      traceId: s.traceId, spanId: s.spanId, parentSpanId: '', traceState: '', name: '', kind: 0,
      startTimeUnixNano: s.startNanos, endTimeUnixNano: s.startNanos, statusCode: 0, statusMessage: '',
      attributes: JSON.parse(s.attributesJson || '{}') as Record<string, string>, resource: {}, scopeName: '', scopeVersion: '', events: [], links: [],
    },
    convention: '', operation: '', provider: s.provider, requestModel: s.requestModel, responseModel: s.responseModel,
    inputTokens: s.inputTokens, outputTokens: s.outputTokens, cacheReadTokens: s.cacheReadTokens, cacheWriteTokens: s.cacheWriteTokens,
    reasoningTokens: s.reasoningTokens, ...s.fineUsage, requestId: '', responseId: '', sessionId: '', userId: '', errorType: '', httpStatusCode: null,
    serviceName: '', serviceNamespace: '', serviceVersion: '', deploymentEnvironment: '', latencyMs: 0, serviceTier: s.serviceTier, retryAttempt: 0,
  };
}
