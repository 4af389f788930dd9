import type { ClickHouseClient } from '@clickhouse/client';
import type { LlmCall, SpanRecord } from '../pipeline';
import { BatchWriter } from './batch-writer';
import type { LedgerConfig } from './config';
import { RetryableError } from '../pipeline';
import { CALL_COLUMNS, ResourceJson, SPAN_COLUMNS, callRow, spanRow, upgradeCallRow } from './row-encoding';
import type { Spool, SpoolRecord } from './spool';

/** Batch outcome reports, for metrics. */
export interface LedgerTelemetry {
  batch(table: 'spans' | 'llm_calls', rows: number, ms: number, ok: boolean): void;
  /** An export went to the spool instead of storage. */
  spooled?(rows: number): void;
  /** Spooled exports replayed into storage. */
  replayed?(records: number): void;
}

/** Writes spans and LLM calls; resolves when both are stored. */
export interface LedgerWriter {
  /** `unmapped`: spans that look like LLM calls no convention could read (flagged for data quality). */
  write(spans: readonly SpanRecord[], calls: readonly LlmCall[], unmapped?: ReadonlySet<SpanRecord>): Promise<void>;
  /** Rows waiting for storage. */
  readonly pendingRows: number;
  /** Replays the spool into storage now; resolves with the records replayed (0 when storage is still down). */
  drainSpool(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Builds the two batched table writers over one ClickHouse client. With a spool, an export
 * storage refuses (down, or behind) is appended to the spool and acknowledged; a timer
 * replays the spool, oldest first, once storage takes writes again. Replays may repeat rows
 * already stored; the tables' deduplication on (trace_id, span_id) absorbs them.
 */
export function createLedgerWriter(client: ClickHouseClient, cfg: LedgerConfig, telemetry?: LedgerTelemetry, spool?: Spool): LedgerWriter {
  const insert = (table: 'spans' | 'llm_calls', columns: readonly string[], values: unknown[][]) =>
    client
      .insert({
        table: `${cfg.database}.${table}`,
        format: 'JSONCompactEachRow',
        columns: columns as [string, ...string[]],
        values,
        // Deduplication is the job of FINAL at read time; collapsing each block at
        // insert cost about 15% of insert time (bench/).
        clickhouse_settings: { optimize_on_insert: 0 },
      })
      .then(() => undefined);
  const make = (table: 'spans' | 'llm_calls', columns: readonly string[]) =>
    new BatchWriter(
      (values) => insert(table, columns, values),
      {
        maxRows: cfg.batchMaxRows,
        maxDelayMs: cfg.batchMaxDelayMs,
        idleLingerMs: cfg.batchIdleLingerMs,
        splitMinRows: cfg.batchSplitMinRows,
        maxInFlight: cfg.batchConcurrency,
        maxPendingRows: cfg.maxPendingRows,
        onBatch: (rows, ms, ok) => telemetry?.batch(table, rows, ms, ok),
      },
    );
  const spansWriter = make('spans', SPAN_COLUMNS);
  const callsWriter = make('llm_calls', CALL_COLUMNS);
  let draining: Promise<number> | undefined;
  const drainSpool = (): Promise<number> => {
    if (spool === undefined || spool.bytes === 0) return Promise.resolve(0);
    draining ??= spool
      .drain(async (recs: SpoolRecord[]) => {
        const spans = recs.flatMap((r) => r.spans);
        const calls = recs.flatMap((r) => r.calls.map(upgradeCallRow));
        if (spans.length > 0) await insert('spans', SPAN_COLUMNS, spans);
        if (calls.length > 0) await insert('llm_calls', CALL_COLUMNS, calls);
        telemetry?.replayed?.(recs.length);
      })
      .catch(() => 0)
      .finally(() => {
        draining = undefined;
      });
    return draining;
  };
  const timer = spool === undefined ? undefined : setInterval(() => void drainSpool(), 1000);
  timer?.unref();
  return {
    drainSpool,
    get pendingRows() {
      return spansWriter.pendingRows + callsWriter.pendingRows;
    },
    async write(spans, calls, unmapped) {
      const resources = new ResourceJson();
      const callSpans = new Set<SpanRecord>();
      const callRows = new Array<unknown[]>(calls.length);
      for (let i = 0; i < calls.length; i++) {
        callSpans.add(calls[i]!.span);
        callRows[i] = callRow(calls[i]!, resources);
      }
      const spanRows = new Array<unknown[]>(spans.length);
      for (let i = 0; i < spans.length; i++) spanRows[i] = spanRow(spans[i]!, callSpans.has(spans[i]!), resources, unmapped?.has(spans[i]!) === true);
      // Both tables dedupe on (trace_id, span_id), so a retry after a half-written
      // export stores nothing twice.
      const results = await Promise.allSettled([spansWriter.write(spanRows), callsWriter.write(callRows)]);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed === undefined) return;
      if (spool === undefined || !(failed.reason instanceof RetryableError)) throw failed.reason;
      await spool.append({ spans: spanRows, calls: callRows });
      telemetry?.spooled?.(spanRows.length + callRows.length);
    },
    async close() {
      if (timer !== undefined) clearInterval(timer);
      await Promise.all([spansWriter.close(), callsWriter.close()]);
      await drainSpool();
      await spool?.close();
    },
  };
}
