import type { ClickHouseClient } from '@clickhouse/client';

/** What one resolver pass did. */
export interface ResolveReport {
  /** Calls ingested in the window just resolved. */
  since: string;
  upto: string;
  /** Mark rows written (calls that are or stopped being duplicates or retries). */
  marked: number;
}

/** Brings `call_marks` up to date with what was ingested since the last pass. */
export interface MarkResolver {
  resolve(): Promise<ResolveReport>;
}

const STATE = 'call_marks';
const OVERLAP_S = 10;

/**
 * The resolver re-applies the duplicate and retry rules to every trace that received a
 * call since its watermark, and stores the marks that changed: a mark for each call that is
 * a duplicate or a retry, and a cleared mark where a call stopped being one (a late span
 * can change the answer). Passes are serialized; the watermark lives in ClickHouse, so any
 * replica continues where another stopped, and running a pass twice writes nothing new.
 */
export function createMarkResolver(client: ClickHouseClient, db: string): MarkResolver {
  let running: Promise<ResolveReport> | undefined;
  const one = async <T>(query: string, params: Record<string, unknown> = {}) =>
    ((await (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>())[0]);
  const pass = async (): Promise<ResolveReport> => {
    const state = await one<{ w: string }>(`SELECT toString(watermark) AS w FROM ${db}.resolver_state FINAL WHERE name = {n:String}`, { n: STATE });
    const watermark = state?.w ?? '1970-01-01 00:00:00.000';
    const now = await one<{ upto: string; version: string; since: string }>(
      `SELECT toString(max(ingested_at)) AS upto, toString(toUnixTimestamp64Micro(now64(6))) AS version,
         toString(greatest(toDateTime64({w:DateTime64(3)}, 3) - INTERVAL ${OVERLAP_S} SECOND, toDateTime64(0, 3))) AS since
       FROM ${db}.llm_calls WHERE ingested_at > {w:DateTime64(3)}`,
      { w: watermark },
    );
    const upto = now?.upto && now.upto > watermark ? now.upto : watermark;
    if (upto === watermark) return { since: watermark, upto, marked: 0 };
    // Inserts commit out of order: a row stamped just before the watermark can become
    // visible after it. Going back OVERLAP_S re-resolves those traces (idempotent).
    const since = now!.since;
    const version = now!.version;
    const before = await one<{ n: string }>(`SELECT toString(count()) AS n FROM ${db}.call_marks`);
    await client.command({
      query: `INSERT INTO ${db}.call_marks (timestamp, trace_id, span_id, duplicate_of, is_retry, version)
        SELECT r.timestamp, r.trace_id, r.span_id, r.duplicate_of, r.is_retry, ${BigInt(version).toString()}
        FROM ${db}.touched_calls_resolved(since = {since:String}, upto = {upto:String}) AS r
        LEFT JOIN (
          SELECT trace_id, span_id, duplicate_of, is_retry FROM ${db}.call_marks FINAL
          WHERE trace_id IN (SELECT trace_id FROM ${db}.llm_calls WHERE ingested_at > {since:DateTime64(3)} AND ingested_at <= {upto:DateTime64(3)})
        ) AS old ON old.trace_id = r.trace_id AND old.span_id = r.span_id
        WHERE (r.duplicate_of != '' OR r.is_retry) OR (old.duplicate_of != '' OR old.is_retry = 1)`,
      query_params: { since, upto },
    });
    await client.insert({ table: `${db}.resolver_state`, format: 'JSONEachRow', values: [{ name: STATE, watermark: upto, version }] });
    const after = await one<{ n: string }>(`SELECT toString(count()) AS n FROM ${db}.call_marks`);
    return { since, upto, marked: Number(after?.n ?? 0) - Number(before?.n ?? 0) };
  };
  return {
    resolve() {
      // One pass at a time; callers arriving meanwhile wait for the next one to include their data.
      const next = (running ?? Promise.resolve(undefined as unknown as ResolveReport)).catch(() => undefined).then(pass);
      running = next;
      void next.finally(() => {
        if (running === next) running = undefined;
      });
      return next;
    },
  };
}
