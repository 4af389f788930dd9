import type { ClickHouseClient } from '@clickhouse/client';
import { rebuildDailyRollups, ROLLUP_SCHEMA } from './daily-rollups';

/** What one resolver pass did. */
export interface ResolveReport {
  /** Calls ingested in the window just resolved. */
  since: string;
  upto: string;
  /** Mark rows written (calls that are or stopped being duplicates or retries). */
  marked: number;
  /** Days whose rollups were rebuilt. */
  daysRebuilt: number;
  /**
   * When the pass started (ISO 8601, UTC): calls committed before then are marked and in the
   * rollups (a commit racing the pass is picked up by the next one, through the overlap).
   */
  startedAt: string;
}

/** Brings `call_marks` and the daily rollups up to date with what was ingested since the last pass. */
export interface MarkResolver {
  /** Runs a pass (or joins the one queued), and resolves when it has finished. */
  resolve(): Promise<ResolveReport>;
  /**
   * The last pass this process finished, if it started at most `maxStalenessMs` ago; else a
   * new pass, as `resolve()`. With 0 it always runs one. Lets readers that can tolerate a
   * bounded delay (the console) skip waiting for a pass: the periodic passes keep it bounded.
   */
  resolveWithin(maxStalenessMs: number): Promise<ResolveReport>;
}

const MARKS = 'call_marks';
const ROLLUPS = 'daily_rollups';
/** Re-rating rows created up to here are in the rollups (read by the policy's spend too). */
export const ADJUSTMENTS_STATE = 'adjustments';
// Its version is the rollup schema the rollups were last built for.
const SCHEMA = 'rollup_schema';
const EPOCH = '1970-01-01 00:00:00.000';
// Inserts commit out of order: a row stamped just before the watermark can become visible
// after a pass. Each pass re-resolves this much before its watermark, and a pass runs
// whenever the rows in that window change, even if nothing newer arrived.
const OVERLAP_MS = 10_000;

/** A DateTime64(3) literal `ms` before `at`, not before the epoch. */
function before(at: string, ms: number): string {
  const t = Math.max(0, Date.parse(`${at.replace(' ', 'T')}Z`) - ms);
  return new Date(t).toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * The resolver re-applies the duplicate and retry rules to every trace that received a
 * call since its watermark, and stores the marks that changed: a mark for each call that is
 * a duplicate or a retry, and a cleared mark where a call stopped being one (a late span
 * can change the answer). It then rebuilds the daily rollups of every day those traces (and
 * traces whose root span arrived) have calls on; with no rollup watermark yet (a new or
 * upgraded ledger) it builds every day. Passes are serialized, and callers arriving while one
 * runs share the one queued after it; the watermarks live in
 * ClickHouse, so any replica continues where another stopped, and running a pass twice
 * writes nothing new.
 */
export function createMarkResolver(client: ClickHouseClient, db: string): MarkResolver {
  let running: Promise<ResolveReport> | undefined;
  // The watermark and the rows in the overlap before it, as last seen; per process, so a new
  // process runs one pass over the overlap even if nothing arrived (idempotent).
  let seenTail: { upto: string; rows: number } | undefined;
  const all = async <T>(query: string, params: Record<string, unknown> = {}) =>
    (await (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>());
  const one = async <T>(query: string, params: Record<string, unknown> = {}) => (await all<T>(query, params))[0];
  // The last pass finished, and the one that has started and not finished yet.
  let last: { startedMs: number; report: ResolveReport } | undefined;
  let active: { startedMs: number; done: Promise<ResolveReport> } | undefined;
  const pass = async (startedMs: number): Promise<ResolveReport> => {
    const report = await passFrom(new Date(startedMs).toISOString());
    last = { startedMs, report };
    return report;
  };
  const passFrom = async (startedAt: string): Promise<ResolveReport> => {
    const states = await all<{ name: string; w: string; v: string }>(
      `SELECT name, toString(watermark) AS w, toString(version) AS v FROM ${db}.resolver_state FINAL WHERE name IN ({m:String}, {r:String}, {a:String}, {s:String})`,
      { m: MARKS, r: ROLLUPS, a: ADJUSTMENTS_STATE, s: SCHEMA });
    // Rollups built for an older schema lack measures, and marks stored under older rules may
    // be wrong: every trace is resolved and every day built again, once.
    const schemaOk = Number(states.find((x) => x.name === SCHEMA)?.v ?? 0) >= ROLLUP_SCHEMA;
    const marksW = schemaOk ? states.find((x) => x.name === MARKS)?.w ?? EPOCH : EPOCH;
    const rollupsW = schemaOk ? states.find((x) => x.name === ROLLUPS)?.w : undefined;
    // Re-rating rows change billed costs without a new call: their days are rebuilt too.
    const adjustW = states.find((x) => x.name === ADJUSTMENTS_STATE)?.w ?? EPOCH;
    const adjust = await one<{ upto: string }>(`SELECT toString(max(created_at)) AS upto FROM ${db}.cost_adjustments`);
    const adjustUpto = adjust && adjust.upto > adjustW ? adjust.upto : adjustW;
    const watermark = rollupsW !== undefined && rollupsW < marksW ? rollupsW : marksW;
    // A root span arriving after its trace's calls moves their cost to its route, so root
    // spans advance the window as calls do.
    const now = await one<{ upto: string; version: string }>(
      `SELECT toString(greatest(
           (SELECT max(ingested_at) FROM ${db}.llm_calls WHERE ingested_at > {w:DateTime64(3)}),
           (SELECT max(ingested_at) FROM ${db}.spans WHERE parent_span_id = '' AND ingested_at > {w:DateTime64(3)}))) AS upto,
         toString(toUnixTimestamp64Micro(now64(6))) AS version`,
      { w: watermark },
    );
    const upto = now && now.upto > watermark ? now.upto : watermark;
    // Rows in the overlap window before `upto`: an insert that commits late can add rows
    // there without moving `upto`, and a change in this count says so.
    const tail = await one<{ n: string }>(
      `SELECT toString(
           (SELECT count() FROM ${db}.llm_calls WHERE ingested_at > {from:DateTime64(3)} AND ingested_at <= {upto:DateTime64(3)})
         + (SELECT count() FROM ${db}.spans WHERE parent_span_id = '' AND ingested_at > {from:DateTime64(3)} AND ingested_at <= {upto:DateTime64(3)})) AS n`,
      { from: before(upto, OVERLAP_MS), upto },
    );
    const tailRows = Number(tail?.n ?? 0);
    // Merges only take rows away (a redelivered span collapsing, spans past their TTL); a
    // late commit adds them. So only growth calls for a pass.
    const grew = seenTail === undefined || seenTail.upto !== upto || tailRows > seenTail.rows;
    if (upto === watermark && rollupsW !== undefined && !grew && adjustUpto === adjustW) {
      seenTail = { upto, rows: tailRows };
      return { since: watermark, upto, marked: 0, daysRebuilt: 0, startedAt };
    }
    const since = before(marksW, OVERLAP_MS);
    const version = BigInt(now!.version);
    const before0 = await one<{ n: string }>(`SELECT toString(count()) AS n FROM ${db}.call_marks`);
    await client.command({
      query: `INSERT INTO ${db}.call_marks (timestamp, trace_id, span_id, duplicate_of, is_retry, version)
        SELECT r.timestamp, r.trace_id, r.span_id, r.duplicate_of, r.is_retry, ${version.toString()}
        FROM ${db}.touched_calls_resolved(since = {since:String}, upto = {upto:String}) AS r
        LEFT JOIN (
          SELECT trace_id, span_id, duplicate_of, is_retry FROM ${db}.call_marks FINAL
          WHERE trace_id IN (SELECT trace_id FROM ${db}.llm_calls WHERE ingested_at > {since:DateTime64(3)} AND ingested_at <= {upto:DateTime64(3)})
        ) AS old ON old.trace_id = r.trace_id AND old.span_id = r.span_id
        WHERE (r.duplicate_of != '' OR r.is_retry) OR (old.duplicate_of != '' OR old.is_retry = 1)`,
      query_params: { since, upto },
    });
    const after = await one<{ n: string }>(`SELECT toString(count()) AS n FROM ${db}.call_marks`);
    const sinceR = rollupsW === undefined ? undefined : before(rollupsW, OVERLAP_MS);
    const days = (
      await all<{ day: string }>(
        sinceR === undefined
          ? `SELECT DISTINCT toString(toDate(timestamp)) AS day FROM ${db}.llm_calls`
          : `SELECT DISTINCT toString(toDate(timestamp)) AS day FROM ${db}.llm_calls
             WHERE trace_id IN (
               SELECT trace_id FROM ${db}.llm_calls WHERE ingested_at > {since:DateTime64(3)} AND ingested_at <= {upto:DateTime64(3)}
               UNION ALL
               SELECT trace_id FROM ${db}.spans WHERE parent_span_id = '' AND ingested_at > {since:DateTime64(3)} AND ingested_at <= {upto:DateTime64(3)})`,
        { since: sinceR ?? EPOCH, upto },
      )
    ).map((d) => d.day);
    if (sinceR !== undefined && adjustUpto > adjustW) {
      const adjusted = await all<{ day: string }>(
        `SELECT DISTINCT toString(toDate(timestamp)) AS day FROM ${db}.cost_adjustments
         WHERE created_at > {w:DateTime64(3)} AND created_at <= {upto:DateTime64(3)}`, { w: adjustW, upto: adjustUpto });
      days.push(...adjusted.map((d) => d.day));
    }
    await rebuildDailyRollups(client, db, days, version);
    seenTail = { upto, rows: tailRows };
    await client.insert({
      table: `${db}.resolver_state`,
      format: 'JSONEachRow',
      values: [
        { name: MARKS, watermark: upto, version: version.toString() }, { name: ROLLUPS, watermark: upto, version: version.toString() },
        { name: ADJUSTMENTS_STATE, watermark: adjustUpto, version: version.toString() }, { name: SCHEMA, watermark: upto, version: String(ROLLUP_SCHEMA) },
      ],
    });
    return { since, upto, marked: Number(after?.n ?? 0) - Number(before0?.n ?? 0), daysRebuilt: days.length, startedAt };
  };
  // The pass that is queued behind the running one and has not started yet: callers arriving
  // meanwhile join it, since it will read everything they saw committed.
  let queued: Promise<ResolveReport> | undefined;
  const resolver: MarkResolver = {
    resolveWithin(maxStalenessMs) {
      const nowMs = Date.now();
      if (maxStalenessMs > 0 && last !== undefined && nowMs - last.startedMs <= maxStalenessMs) return Promise.resolve(last.report);
      // A pass that started recently enough is as good: wait for it rather than for the next.
      if (maxStalenessMs > 0 && active !== undefined && nowMs - active.startedMs <= maxStalenessMs) return active.done;
      return resolver.resolve();
    },
    resolve() {
      if (queued !== undefined) return queued;
      // One pass at a time; callers arriving meanwhile wait for the next one to include their data.
      const next: Promise<ResolveReport> = (running ?? Promise.resolve(undefined as unknown as ResolveReport)).catch(() => undefined).then(() => {
        if (queued === next) queued = undefined;
        const startedMs = Date.now();
        active = { startedMs, done: next };
        return pass(startedMs).finally(() => {
          if (active?.done === next) active = undefined;
        });
      });
      running = next;
      queued = next;
      // Clears the slot either way; the caller handles the rejection of `next` itself.
      const clear = () => {
        if (running === next) running = undefined;
      };
      next.then(clear, clear);
      return next;
    },
  };
  return resolver;
}
