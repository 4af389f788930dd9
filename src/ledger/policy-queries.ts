import type { ClickHouseClient } from '@clickhouse/client';
import { ADJUSTMENTS_STATE } from './mark-resolver';

/** Spend of one (tenant, team) in a period: the billed cost of its calls (see `billed-cost.ts`). */
export interface SpendRow {
  tenant: string;
  team: string;
  nano: string;
}

/** A request id as another replica stored it, with who the call belongs to and who sent it. */
export interface StoredRequest {
  requestId: string;
  tenant: string;
  senderId: string;
  /** `gateway`, `service` or `anonymous`. */
  senderKind: string;
}

/** One replica's open reservations for one tenant, as its last snapshot stored them. */
export interface StoredReservations {
  replicaId: string;
  tenant: string;
  team: string;
  openCount: number;
  reservedNano: bigint;
  expiresAtMs: number;
  updatedAtMs: number;
}

/** The ledger's named queries for the policy (its `PolicyStore` port); only its refresh, start-up and event listing call them. */
export interface PolicyQueries {
  /**
   * Billed cost per (tenant, team) of the calls that started in [startMs, endMs); `nowMs`
   * decides which days are closed. `exclude` leaves out one writer's calls from an epoch on
   * (the ones its memory still counts), though not their re-rating adjustments, which no
   * memory holds.
   */
  spend(startMs: number, endMs: number, nowMs?: number, exclude?: { writerId: string; fromEpoch: number }): Promise<SpendRow[]>;
  /**
   * Calls stored in the last `lookbackMs` (storage's clock) by writers other than `writerId`
   * with a request id and no policy decision (calls whose span reached a replica other than
   * the one that decided them): each distinct request id with the tenant and sender the call
   * resolved to, since request ids are only unique within a tenant.
   */
  requestIdsStoredElsewhere(writerId: string, lookbackMs: number): Promise<StoredRequest[]>;
  /** Every replica's latest snapshot that is fresh (updated within `maxAgeMs`) and not yet expired. */
  reservationSnapshots(nowMs: number, maxAgeMs: number): Promise<StoredReservations[]>;
  /** Keys `scope|subject|periodStartMs|kind` of events already emitted for periods still running. */
  emittedEvents(nowMs: number): Promise<string[]>;
  listEvents(q: { since?: number; tenant?: string; limit: number }): Promise<Record<string, unknown>[]>;
}

const DAY_MS = 86_400_000;

/**
 * The whole UTC days `[fromMs, toMs)` of a period that are closed (before yesterday, so no
 * longer written to in the normal course), or undefined when there are none.
 */
export function closedDays(startMs: number, endMs: number, nowMs: number): [number, number] | undefined {
  const first = Math.ceil(startMs / DAY_MS) * DAY_MS;
  const end = Math.min(Math.floor(endMs / DAY_MS) * DAY_MS, Math.floor(nowMs / DAY_MS) * DAY_MS - DAY_MS);
  return end > first ? [first, end] : undefined;
}

/** The policy's named queries over the ledger database `db`. */
export function createPolicyStore(client: ClickHouseClient, db: string): PolicyQueries {
  const rows = async <T>(query: string, params: Record<string, unknown>) =>
    (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();
  return {
    async spend(startMs, endMs, nowMs = Date.now(), exclude) {
      // Closed days come from the daily rollup (a few rows per tenant and day) once the
      // resolver built it after they closed and after their latest re-rating; the rest of
      // the period from the resolved calls, billed as every report bills them.
      const closed = closedDays(startMs, endMs, nowMs);
      const ms = (t: string) => `fromUnixTimestamp64Milli({${t}:Int64}, 'UTC')`;
      const iso = (t: number) => new Date(t).toISOString().replace('T', ' ').replace('Z', '');
      let ready = false;
      if (closed !== undefined) {
        // Asked apart, so each view below reads only its own days. Readiness only grows, but
        // for a re-rating landing between the two reads, which the next refresh counts.
        const [r] = await rows<{ ready: number }>(
          `SELECT (SELECT max(watermark) FROM ${db}.resolver_state FINAL WHERE name = 'daily_rollups') >= ${ms('d2')}
             AND (SELECT max(created_at) FROM ${db}.cost_adjustments WHERE timestamp >= ${ms('d1')} AND timestamp < ${ms('d2')})
               <= (SELECT max(watermark) FROM ${db}.resolver_state FINAL WHERE name = {adjusted:String}) AS ready`,
          { d1: closed[0], d2: closed[1], adjusted: ADJUSTMENTS_STATE });
        ready = Number(r?.ready ?? 0) === 1;
      }
      // A call this writer's memory still counts adds only its re-rating, which memory never saw.
      const calls = (from: string, to: string) =>
        `SELECT tenant, team, if(writer_id = {w:String} AND writer_epoch >= {we:UInt64}, if(is_duplicate, 0, adjustment_nano_usd), billed_nano_usd) AS c
         FROM ${db}.llm_calls_resolved(from = {${from}:String}, to = {${to}:String})`;
      const parts = ready
        ? [calls('s', 'd1'), calls('d2', 'e'),
          `SELECT tenant, team, cost_nano_usd AS c FROM ${db}.rollup_daily_costs FINAL WHERE day >= toDate(${ms('d1ms')}) AND day < toDate(${ms('d2ms')})`]
        : [calls('s', 'e')];
      const [d1, d2] = closed ?? [endMs, endMs];
      return rows<SpendRow>(
        `SELECT tenant, team, toString(sum(c)) AS nano FROM (${parts.join(' UNION ALL ')}) WHERE tenant != '' GROUP BY tenant, team`,
        // Without `exclude`, an epoch no call reaches: nothing is left out.
        {
          s: iso(startMs), e: iso(endMs), d1: iso(d1), d2: iso(d2), d1ms: d1, d2ms: d2,
          w: exclude?.writerId ?? '', we: exclude?.fromEpoch ?? '18446744073709551615',
        },
      );
    },
    async requestIdsStoredElsewhere(writerId, lookbackMs) {
      const found = await rows<{ r: string; t: string; s: string; k: string }>(
        `SELECT DISTINCT request_id AS r, tenant AS t, sender_id AS s, sender_kind AS k FROM ${db}.llm_calls
         WHERE ingested_at >= now64(3) - toIntervalMillisecond({lb:UInt64})
           AND request_id != '' AND tenant != '' AND policy_decision_id = '' AND writer_id != {w:String}`,
        { lb: Math.max(0, Math.ceil(lookbackMs)), w: writerId },
      );
      return found.map((x) => ({ requestId: x.r, tenant: x.t, senderId: x.s, senderKind: x.k }));
    },
    async reservationSnapshots(nowMs, maxAgeMs) {
      const found = await rows<{ replica: string; tenant: string; team: string; n: number | string; amount: string; expires: string; updated: string }>(
        `SELECT replica_id AS replica, tenant, team, open_count AS n, toString(reserved_nano_usd) AS amount,
           toString(toUnixTimestamp64Milli(expires_at)) AS expires, toString(toUnixTimestamp64Milli(updated_at)) AS updated
         FROM ${db}.policy_reservations FINAL
         WHERE reserved_nano_usd > 0 AND expires_at > fromUnixTimestamp64Milli({now:Int64}, 'UTC')
           AND updated_at > fromUnixTimestamp64Milli({oldest:Int64}, 'UTC')`,
        { now: nowMs, oldest: nowMs - maxAgeMs },
      );
      return found.map((r) => ({
        replicaId: r.replica, tenant: r.tenant, team: r.team, openCount: Number(r.n), reservedNano: BigInt(r.amount),
        expiresAtMs: Number(r.expires), updatedAtMs: Number(r.updated),
      }));
    },
    async emittedEvents(nowMs) {
      const found = await rows<{ k: string }>(
        `SELECT concat(scope, '|', subject, '|', toString(toUnixTimestamp(period_start) * 1000), '|', kind) AS k
         FROM ${db}.policy_events FINAL WHERE period_end > fromUnixTimestamp64Milli({now:Int64}, 'UTC')`,
        { now: nowMs },
      );
      return found.map((r) => r.k);
    },
    async listEvents(q) {
      const found = await rows<Record<string, string>>(
        `SELECT event_id, toString(created_at) AS created, kind, scope, subject, toString(period_start) AS p_start,
           toString(period_end) AS p_end, toString(limit_nano_usd) AS limit_nano, toString(spent_nano_usd) AS spent_nano,
           toString(reserved_nano_usd) AS reserved_nano, currency, message
         FROM ${db}.policy_events FINAL
         WHERE created_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC') AND ({tenant:String} = '' OR (scope = 'tenant' AND subject = {tenant:String}))
         ORDER BY created_at DESC LIMIT {limit:UInt32}`,
        { since: q.since ?? 0, tenant: q.tenant ?? '', limit: q.limit },
      );
      return found.map((r) => ({
        event_id: r.event_id, created_at: r.created, kind: r.kind, scope: r.scope, subject: r.subject, period_start: r.p_start,
        period_end: r.p_end, limit_nano_usd: r.limit_nano, spent_nano_usd: r.spent_nano, reserved_nano_usd: r.reserved_nano,
        currency: r.currency, message: r.message,
      }));
    },
  };
}
