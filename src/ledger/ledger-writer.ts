import type { ClickHouseClient } from '@clickhouse/client';
import type { PricedCall, RefusedSpans, SpanRecord, WriteCalls } from '../pipeline';
import { BatchWriter } from './batch-writer';
import type { LedgerConfig } from './config';
import { PermanentError, RetryableError } from '../pipeline';
import type { DeadLetter, DeadLetterStore } from './dead-letters';
import type { DiskGuard } from './disk-guard';
import { isolateRefused } from './isolate-refused';
import { splitByDay } from './partition-split';
import { CALL_COLUMNS, ResourceJson, SPAN_COLUMNS, callRow, spanRow, upgradeCallRow } from './row-encoding';
import type { Spool, SpoolRecord } from './spool';
import { replayChunk, replayDeadLetters, type DeadLetterReplay, type ReplayDeps } from './spool-replay';
import { classifyStorageError } from './storage-errors';

/** Batch outcome reports, for metrics. */
export interface LedgerTelemetry {
  batch(table: 'spans' | 'llm_calls', rows: number, ms: number, ok: boolean): void;
  /** An export went to the spool instead of storage. */
  spooled?(rows: number): void;
  /** Spooled exports replayed into storage. */
  replayed?(records: number): void;
  /** A spool replay stopped because storage refused (retried on the next tick). */
  replayFailed?(err: RetryableError): void;
  /** An acknowledged export storage refused for good was set aside (told once per export). */
  deadLettered?(entry: DeadLetter): void;
}

/** Optional parts of the writer. */
export interface LedgerWriterParts {
  /** Where replayed exports storage refuses for good go (with a spool, always give one). */
  deadLetters?: DeadLetterStore;
  /** Refuses writes and replays while a filesystem is below its reserve. */
  diskGuard?: DiskGuard;
}

/** Writes spans and LLM calls; resolves when both are stored. */
export interface LedgerWriter {
  /**
   * `unmapped`: spans that look like LLM calls no convention could read (flagged for data
   * quality). Resolves once everything is stored (undefined), or with the spans storage
   * refused for good when the rest of the export was stored; rejects when storage refused
   * all of it for good (PermanentError) or for a passing cause without a spool.
   */
  write(spans: readonly SpanRecord[], calls: readonly PricedCall[], unmapped?: ReadonlySet<SpanRecord>): Promise<RefusedSpans | undefined>;
  /** Rows waiting for storage. */
  readonly pendingRows: number;
  /** Replays the spool into storage now; resolves with the records replayed (0 when storage is still down). */
  drainSpool(): Promise<number>;
  /** Writes dead letters (`ids`, or all) into storage again; those stored leave the store. */
  replayDeadLetters(ids?: readonly string[]): Promise<DeadLetterReplay>;
  close(): Promise<void>;
}

/**
 * Builds the two batched table writers over one ClickHouse client. Rows are inserted in
 * groups of at most MAX_DAYS_PER_INSERT UTC days, so no valid export is refused for
 * touching too many partitions. Storage failures are classified by cause
 * (`classifyStorageError`): after a permanent refusal the export is halved until the
 * refused spans are found (`isolateRefused`) and the rest is stored (partial success), or
 * the export is rejected whole (400, nothing acknowledged); with a spool, an export storage refuses for a passing cause (down, behind)
 * is appended to the spool and acknowledged. A timer replays the spool, oldest first, once
 * storage takes writes again: a record refused for good is set aside in the dead-letter
 * store and replay goes on behind it; a passing refusal stops the replay until the next
 * tick. Replays may repeat rows already stored; the tables' deduplication on
 * (trace_id, span_id) absorbs them.
 */
export function createLedgerWriter(client: ClickHouseClient, cfg: LedgerConfig, telemetry?: LedgerTelemetry, spool?: Spool, parts: LedgerWriterParts = {}): LedgerWriter {
  const { deadLetters, diskGuard } = parts;
  const insertOne = (table: 'spans' | 'llm_calls', columns: readonly string[], values: unknown[][]) =>
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
      .then(() => undefined, (err: unknown) => Promise.reject(classifyStorageError(err)));
  const insert = async (table: 'spans' | 'llm_calls', columns: readonly string[], values: unknown[][]) => {
    for (const group of splitByDay(values)) await insertOne(table, columns, group);
  };
  const insertGroup = async (spanRows: unknown[][], callRows: unknown[][]) => {
    if (spanRows.length > 0) await insert('spans', SPAN_COLUMNS, spanRows);
    if (callRows.length > 0) await insert('llm_calls', CALL_COLUMNS, callRows);
  };
  const insertRecords = async (recs: SpoolRecord[]) => {
    const spans = recs.flatMap((r) => r.spans);
    const calls = recs.flatMap((r) => r.calls.map(upgradeCallRow));
    if (spans.length > 0) await insert('spans', SPAN_COLUMNS, spans);
    if (calls.length > 0) await insert('llm_calls', CALL_COLUMNS, calls);
  };
  const replay: ReplayDeps = { insertRecords, deadLetters, diskGuard, replayed: (n) => telemetry?.replayed?.(n), deadLettered: (e) => telemetry?.deadLettered?.(e) };
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
      .drain(replayChunk(replay))
      .catch((err: unknown) => {
        telemetry?.replayFailed?.(err instanceof RetryableError ? err : new RetryableError(`spool replay failed: ${(err as Error).message}`, 1000, { cause: err }));
        return 0;
      })
      .finally(() => {
        draining = undefined;
      });
    return draining;
  };
  const timer = spool === undefined ? undefined : setInterval(() => void drainSpool(), 1000);
  timer?.unref();
  return {
    drainSpool,
    replayDeadLetters: (ids) => replayDeadLetters(replay, ids),
    get pendingRows() {
      return spansWriter.pendingRows + callsWriter.pendingRows;
    },
    async write(spans, calls, unmapped) {
      diskGuard?.assertRoom();
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
      const causes = results.flatMap((r) => (r.status === 'rejected' ? [classifyStorageError(r.reason)] : []));
      if (causes.length === 0) return undefined;
      // Refused for good (either table): the spans storage refuses are found and answered as
      // partial success, the rest stored; nothing goes to the spool.
      const permanent = causes.find((c): c is PermanentError => c instanceof PermanentError);
      if (permanent !== undefined) {
        const refused = await isolateRefused(spans, spanRows, calls, callRows, insertGroup, permanent);
        return refused.spans.size === 0 ? undefined : refused;
      }
      const cause = causes[0]!;
      if (spool === undefined || !(cause instanceof RetryableError)) throw cause;
      await spool.append({ spans: spanRows, calls: callRows });
      telemetry?.spooled?.(spanRows.length + callRows.length);
      return undefined;
    },
    async close() {
      if (timer !== undefined) clearInterval(timer);
      await Promise.all([spansWriter.close(), callsWriter.close()]);
      await drainSpool();
      await spool?.close();
    },
  };
}

/** The chain's write into `writer`: a batch with no spans left (all refused) writes nothing. */
export function writeCallsTo(writer: Pick<LedgerWriter, 'write'>): WriteCalls {
  return (batch) => (batch.spans.length === 0 ? Promise.resolve(undefined) : writer.write(batch.spans, batch.calls, batch.unmapped));
}
