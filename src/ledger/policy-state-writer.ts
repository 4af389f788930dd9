import type { ClickHouseClient } from '@clickhouse/client';
import { BatchWriter } from './batch-writer';
import type { StoredReservations } from './policy-queries';

/** A budget event as stored in `policy_events`. */
export interface PolicyEventRow {
  eventId: string;
  createdAtMs: number;
  kind: string;
  scope: string;
  subject: string;
  periodStartMs: number;
  periodEndMs: number;
  limitNano: bigint;
  spentNano: bigint;
  reservedNano: bigint;
  currency: string;
  message: string;
}

/** A policy decision as stored in `policy_decisions`. */
export interface PolicyDecisionRow {
  decisionId: string;
  createdAtMs: number;
  tenant: string;
  requestId: string;
  provider: string;
  model: string;
  outcome: string;
  reason: string;
  reservedNano: bigint;
}

/** The policy's state writes (its `PolicyPersistence` port), fire-and-forget. */
export interface PolicyStateWriter {
  saveReservations(rows: StoredReservations[]): void;
  saveEvent(e: PolicyEventRow): void;
  saveDecision(d: PolicyDecisionRow): void;
  close(): Promise<void>;
}

const ms = (t: number) => (t / 1000).toFixed(3);
const secs = (t: number) => String(Math.floor(t / 1000));

/**
 * Stores policy state through batched inserts, off the decision path: a failed batch is
 * reported and the in-memory state keeps serving (the next refresh reconciles).
 */
export function createPolicyStateWriter(client: ClickHouseClient, db: string, onError: (err: unknown) => void): PolicyStateWriter {
  // Each insert is a ClickHouse part to write and merge, on the cores decisions run on:
  // decision records (sampled, nobody waits for them) go once a second; events and
  // reservation snapshots, which users and other replicas read, within 100 ms.
  const writer = (table: string, columns: string[], maxDelayMs = 100) =>
    new BatchWriter(
      (values) => client.insert({ table: `${db}.${table}`, format: 'JSONCompactEachRow', columns: columns as [string, ...string[]], values }).then(() => undefined),
      { maxRows: 5000, maxDelayMs, maxPendingRows: 200_000 },
    );
  const reservations = writer('policy_reservations', ['replica_id', 'tenant', 'team', 'open_count', 'reserved_nano_usd', 'expires_at', 'updated_at', 'version']);
  const events = writer('policy_events', ['event_id', 'created_at', 'kind', 'scope', 'subject', 'period_start', 'period_end', 'limit_nano_usd', 'spent_nano_usd', 'reserved_nano_usd', 'currency', 'message']);
  const decisions = writer('policy_decisions', ['decision_id', 'created_at', 'tenant', 'request_id', 'provider', 'model', 'outcome', 'reason', 'reserved_nano_usd'], 1000);
  let version = Date.now() * 1000;
  const fire = (p: Promise<void>) => void p.catch(onError);
  return {
    saveReservations: (rows) =>
      fire(reservations.write(rows.map((r) => [r.replicaId, r.tenant, r.team, r.openCount, r.reservedNano.toString(), ms(r.expiresAtMs), ms(r.updatedAtMs), String(++version)]))),
    saveEvent: (e) =>
      fire(events.write([[e.eventId, ms(e.createdAtMs), e.kind, e.scope, e.subject, secs(e.periodStartMs), secs(e.periodEndMs), e.limitNano.toString(), e.spentNano.toString(), e.reservedNano.toString(), e.currency, e.message]])),
    saveDecision: (d) =>
      fire(decisions.write([[d.decisionId, ms(d.createdAtMs), d.tenant, d.requestId, d.provider, d.model, d.outcome, d.reason, d.reservedNano.toString()]])),
    async close() {
      await Promise.all([reservations.close(), events.close(), decisions.close()]);
    },
  };
}
