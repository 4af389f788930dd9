import type { ReservationSnapshot } from './types';

/** Spend of one (tenant, team) in a period: the ledger's billed cost (duplicates once, re-rating adjustments added). */
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

/**
 * What the policy reads from the ledger, through the ledger's named queries (the service
 * hands in `createPolicyStore` of `src/ledger/`); only the background refresh, start-up and
 * the events route call them.
 */
export interface PolicyStore {
  /**
   * Spend per (tenant, team) in [startMs, endMs); `nowMs` decides which days are closed.
   * `exclude` leaves out one writer's calls from an epoch on (the ones its memory still counts).
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
  reservationSnapshots(nowMs: number, maxAgeMs: number): Promise<ReservationSnapshot[]>;
  /** Keys `scope|subject|periodStartMs|kind` of events already emitted for periods still running. */
  emittedEvents(nowMs: number): Promise<string[]>;
  listEvents(q: { since?: number; tenant?: string; limit: number }): Promise<Record<string, unknown>[]>;
}
