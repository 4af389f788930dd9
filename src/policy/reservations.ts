import { randomUUID } from 'node:crypto';
import type { StoredRequest } from './policy-store';
import { ReservationBook } from './reservation-book';
import { ReservedTotals, type HoldOwner, type ReservationOwner, type ReservedTotal } from './reserved-totals';
import type { ReservationSnapshot } from './types';

export type { ReservationOwner, ReservedTotal } from './reserved-totals';

/** The outcome a reservation's decision had. */
export type ReservationOutcome = 'allow' | 'warn';

/** A reservation released by a settle: who it was for, and its decision, which the call's span still needs. */
export interface ReleasedReservation {
  tenantId: string;
  /** '' for a reservation restored at start (it has none). */
  requestId: string;
  decisionId: string;
  outcome: ReservationOutcome;
}

/** The decision a stored call carries, by the reservation it closes. */
export interface CallDecision {
  decisionId: string;
  outcome: string;
}

/** One tenant's reservations from before a restart, as its last snapshot summed them. */
interface Restored {
  owner: HoldOwner;
  amountNano: bigint;
  expiresAtMs: number;
}

const OUTCOMES: readonly ReservationOutcome[] = ['allow', 'warn'];
const RESTORED = 'restored:';
// How far each look for calls stored elsewhere reaches back before the previous look: covers
// a slow query and the gap between this process's clock and storage's.
const SETTLE_OVERLAP_MS = 30_000;

/**
 * This replica's reservations: opened by decisions, restored at start, released by settles,
 * stored calls, expiry or lack of room. Every one, restored or not, is counted and released
 * through the same two steps of `ReservedTotals` (the only writer of what is reserved), so
 * the scope totals, the per-tenant snapshot figures and the open reservations agree.
 *
 * Release rules: a reservation is released by its id, or by its tenant and request id
 * (request ids are only unique within a tenant); a gateway releases only those it opened or
 * that named no gateway; a stored call releases the one its resolved tenant opened under its
 * request id, and an anonymous sender's call none.
 */
export class Reservations {
  readonly #replicaId: string;
  readonly #onEvicted: () => void;
  readonly #totals: ReservedTotals;
  readonly #book = new ReservationBook<HoldOwner>();
  // One per tenant, by a random id `restored:<uuid>` that is never handed out (a guessable
  // id would let any sender release another tenant's hold); each keeps its own expiry.
  readonly #restored = new Map<string, Restored>();
  #lastStoredLookMs = Date.now();

  constructor(opts: { replicaId: string; onEvicted?: () => void }) {
    this.#replicaId = opts.replicaId;
    this.#totals = new ReservedTotals(opts.replicaId);
    this.#onEvicted = opts.onEvicted ?? (() => {});
  }

  /** Open reservations, restored ones included. */
  get size(): number {
    return this.#book.size + this.#restored.size;
  }

  /** The live total of scope `key` (see `tenantScopeKey`, `teamScopeKey`); the same object for as long as the process runs. */
  totalOf(key: string): ReservedTotal {
    return this.#totals.totalOf(key);
  }

  /** The owner to open a tenant's reservations under, counted against its tenant and team scopes. */
  ownerFor(tenantId: string, team: string): ReservationOwner {
    return this.#totals.ownerFor(tenantId, team);
  }

  /** Releases the oldest reservation opened here when `maxOpen` are open, and says so. */
  makeRoom(maxOpen: number): void {
    if (this.size < maxOpen) return;
    const seq = this.#book.oldest();
    if (seq < 0) return;
    this.#close(seq);
    this.#onEvicted();
  }

  /**
   * Opens a reservation of `amountNano` (0 < amount < 2^63) for `owner`; returns its id, which
   * is also its decision's. With a request id, any other open under the same tenant and
   * request id must have been released first (`releaseRequest`).
   */
  open(owner: ReservationOwner, amountNano: bigint, expiresAtMs: number, outcome: ReservationOutcome, requestId: string, gatewayId: string): string {
    const o = owner as HoldOwner;
    const seq = this.#book.open(o, amountNano, expiresAtMs, outcome === 'warn' ? 1 : 0, o.tenantId, requestId, gatewayId);
    this.#totals.hold(o, amountNano, expiresAtMs);
    return this.#book.idOf(seq);
  }

  /** Releases the open reservation of this tenant and request id (the same call asked again); its amount, or 0 when none was open. */
  releaseRequest(tenantId: string, requestId: string): bigint {
    const seq = this.#book.findByRequest(tenantId, requestId);
    if (seq < 0) return 0n;
    const amountNano = this.#book.amountOf(seq);
    this.#close(seq);
    return amountNano;
  }

  /** Releases a reservation by id, for `gatewayId` when given; undefined when none open may be released so. */
  settleById(id: string, gatewayId?: string): ReleasedReservation | undefined {
    const r = this.#restored.get(id);
    if (r !== undefined) {
      this.#dropRestored(id, r);
      return { tenantId: r.owner.tenantId, requestId: '', decisionId: id, outcome: 'allow' };
    }
    return this.#settle(this.#book.find(id), gatewayId);
  }

  /** Releases the reservation of a tenant's request id, for `gatewayId` when given; undefined when none open may be released so. */
  settleByRequest(tenantId: string, requestId: string, gatewayId?: string): ReleasedReservation | undefined {
    return this.#settle(this.#book.findByRequest(tenantId, requestId), gatewayId);
  }

  /**
   * The decision of the reservation a stored call (request id, resolved tenant, sender)
   * would close: null when one is open under that request id that this sender may not
   * close, undefined when none is.
   */
  decisionOfCall(requestId: string, tenant: string, senderKind: string, senderId: string): CallDecision | null | undefined {
    if (!requestId || !tenant || senderKind === 'anonymous') return undefined;
    const seq = this.#book.findByRequest(tenant, requestId);
    if (seq < 0) return undefined;
    if (!this.#mayClose(seq, senderKind, senderId)) return null;
    return { decisionId: this.#book.idOf(seq), outcome: OUTCOMES[this.#book.outcomeOf(seq)]! };
  }

  /** Releases the reservation a stored call closes (see `decisionOfCall`); true if one was open. */
  closeForCall(requestId: string, tenant: string, senderKind: string, senderId: string): boolean {
    if (!requestId || !tenant || senderKind === 'anonymous') return false;
    const seq = this.#book.findByRequest(tenant, requestId);
    return seq >= 0 && this.#mayClose(seq, senderKind, senderId) && this.#close(seq);
  }

  /** Releases every reservation, restored ones included, expiring at or before `nowMs`. */
  expire(nowMs: number): void {
    for (const seq of this.#book.expired(nowMs)) this.#close(seq);
    for (const [id, r] of this.#restored) if (r.expiresAtMs <= nowMs) this.#dropRestored(id, r);
  }

  /**
   * A call's span may reach a replica other than the one that reserved for it (a gateway's
   * decisions and an SDK's spans go through different load balancers). That replica stores
   * the call without knowing the reservation; here the one holding it finds the call by
   * request id, or the call's cost and its reservation would both count until the
   * reservation expired. `lookup` gives the calls other writers stored in the last
   * `lookbackMs`; each look reaches back to the previous one (at most `ttlMs`) and a little
   * more. Returns how many reservations it closed.
   */
  async settleStoredElsewhere(nowMs: number, ttlMs: number, lookup: (lookbackMs: number) => Promise<StoredRequest[]>): Promise<number> {
    const lookbackMs = Math.min(ttlMs, nowMs - this.#lastStoredLookMs) + SETTLE_OVERLAP_MS;
    if (this.#book.size === 0) {
      this.#lastStoredLookMs = nowMs;
      return 0;
    }
    const stored = await lookup(lookbackMs);
    this.#lastStoredLookMs = nowMs;
    let closed = 0;
    for (const c of stored) if (this.closeForCall(c.requestId, c.tenant, c.senderKind, c.senderId)) closed++;
    return closed;
  }

  /** This replica's open reservations per tenant where they changed since the last snapshot (a tenant with none left once, as zeros). */
  snapshot(nowMs: number): ReservationSnapshot[] {
    return this.#totals.snapshot(nowMs);
  }

  /** At start: this replica's snapshots from before a restart come back as one reservation per tenant, held until the last of them would have expired. */
  restore(snapshots: readonly ReservationSnapshot[]): void {
    for (const r of snapshots) {
      if (r.replicaId !== this.#replicaId) continue;
      const owner = this.#totals.ownerFor(r.tenant, r.team);
      this.#restored.set(`${RESTORED}${randomUUID()}`, { owner, amountNano: r.reservedNano, expiresAtMs: r.expiresAtMs });
      this.#totals.hold(owner, r.reservedNano, r.expiresAtMs);
      this.#totals.restored(r);
    }
  }

  /** Replaces what the other replicas hold by their latest snapshots. */
  countRemote(snapshots: readonly ReservationSnapshot[]): void {
    this.#totals.countRemote(snapshots);
  }

  /** For a gateway's span, only a reservation that gateway opened (or that named none). */
  #mayClose(seq: number, senderKind: string, senderId: string): boolean {
    if (senderKind !== 'gateway') return true;
    const gateway = this.#book.gatewayOf(seq);
    return gateway === '' || gateway === senderId;
  }

  #settle(seq: number, gatewayId: string | undefined): ReleasedReservation | undefined {
    if (seq < 0) return undefined;
    const gateway = this.#book.gatewayOf(seq);
    if (gatewayId !== undefined && gateway !== '' && gateway !== gatewayId) return undefined;
    const released: ReleasedReservation = {
      tenantId: this.#book.ownerOf(seq).tenantId, requestId: this.#book.requestOf(seq), decisionId: this.#book.idOf(seq), outcome: OUTCOMES[this.#book.outcomeOf(seq)]!,
    };
    this.#close(seq);
    return released;
  }

  /** Closes a reservation of the book; false if it was not open. */
  #close(seq: number): boolean {
    if (!this.#book.isOpen(seq)) return false;
    const owner = this.#book.ownerOf(seq);
    const amountNano = this.#book.amountOf(seq);
    this.#book.close(seq);
    this.#totals.release(owner, amountNano);
    return true;
  }

  #dropRestored(id: string, r: Restored): void {
    this.#restored.delete(id);
    this.#totals.release(r.owner, r.amountNano);
  }
}
