import { randomUUID } from 'node:crypto';
import type { StoredRequest } from './policy-store';
import { ReservationBook } from './reservation-book';
import { tenantScopeKey, teamScopeKey } from './scope-keys';
import type { ReservationSnapshot } from './types';

/** What is reserved against one budget scope: by this replica's open reservations, and by the other replicas' (their latest snapshots). */
export interface ReservedTotal {
  readonly reservedNano: bigint;
  readonly remoteNano: bigint;
}

/** Whom a reservation is held for; made by `Reservations.ownerFor`, kept per tenant runtime. */
export interface ReservationOwner {
  readonly tenantId: string;
  readonly team: string;
}

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

interface Total {
  reservedNano: bigint;
  remoteNano: bigint;
}

interface Owner extends ReservationOwner {
  readonly tenantAcc: Total;
  readonly teamAcc: Total;
}

/** One tenant's reservations from before a restart, as its last snapshot summed them. */
interface Restored {
  owner: Owner;
  amountNano: bigint;
  expiresAtMs: number;
}

/** A tenant's open reservations: how many, the latest expiry, and whose team they were first opened under. */
interface OpenTenant {
  team: string;
  acc: Total;
  count: number;
  expiresAtMs: number;
}

const OUTCOMES: readonly ReservationOutcome[] = ['allow', 'warn'];
const RESTORED = 'restored:';
// How far each look for calls stored elsewhere reaches back before the previous look: covers
// a slow query and the gap between this process's clock and storage's.
const SETTLE_OVERLAP_MS = 30_000;
const CLOSED_SNAPSHOT = '0|0|0';

/**
 * This replica's reservations and the totals they hold against each budget scope: the only
 * writer of what is reserved. Every hold, opened by a decision or restored at start, is
 * counted and released through the same two steps, so the scope totals, the per-tenant
 * snapshot figures and the open reservations always agree.
 *
 * Release rules: a reservation is released by its id, or by its tenant and request id
 * (request ids are only unique within a tenant); a gateway releases only those it opened or
 * that named no gateway; a stored call releases the one its resolved tenant opened under its
 * request id, and an anonymous sender's call none.
 */
export class Reservations {
  readonly #replicaId: string;
  readonly #onEvicted: () => void;
  readonly #book = new ReservationBook<Owner>();
  // One per tenant, by a random id `restored:<uuid>` that is never handed out (a guessable
  // id would let any sender release another tenant's hold); each keeps its own expiry.
  readonly #restored = new Map<string, Restored>();
  // Totals per scope key; never removed, so tenant runtimes can hold them.
  readonly #totals = new Map<string, Total>();
  // Per tenant with open reservations, kept as they open and close so a snapshot costs the
  // number of tenants, not the number of reservations (a busy gateway holds hundreds of
  // thousands). Their sum is the tenant's reserved total.
  readonly #openByTenant = new Map<string, OpenTenant>();
  // What the last snapshot said per tenant, so only changes are written.
  readonly #lastSnapshot = new Map<string, string>();
  #lastStoredLookMs = Date.now();

  constructor(opts: { replicaId: string; onEvicted?: () => void }) {
    this.#replicaId = opts.replicaId;
    this.#onEvicted = opts.onEvicted ?? (() => {});
  }

  /** Open reservations, restored ones included. */
  get size(): number {
    return this.#book.size + this.#restored.size;
  }

  /** The live total of scope `key` (see `tenantScopeKey`, `teamScopeKey`); the same object for as long as the process runs. */
  totalOf(key: string): ReservedTotal {
    return this.#total(key);
  }

  /** The owner to open a tenant's reservations under, counted against its tenant and team scopes. */
  ownerFor(tenantId: string, team: string): ReservationOwner {
    const owner: Owner = { tenantId, team, tenantAcc: this.#total(tenantScopeKey(tenantId)), teamAcc: this.#total(teamScopeKey(team)) };
    return owner;
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
    const o = owner as Owner;
    const seq = this.#book.open(o, amountNano, expiresAtMs, outcome === 'warn' ? 1 : 0, o.tenantId, requestId, gatewayId);
    this.#hold(o, amountNano, expiresAtMs);
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
    const rows: ReservationSnapshot[] = [];
    for (const [tenant, t] of this.#openByTenant) {
      const sig = `${t.count}|${t.acc.reservedNano}|${t.expiresAtMs}`;
      if (this.#lastSnapshot.get(tenant) === sig) continue;
      this.#lastSnapshot.set(tenant, sig);
      rows.push({ replicaId: this.#replicaId, tenant, team: t.team, openCount: t.count, reservedNano: t.acc.reservedNano, expiresAtMs: t.expiresAtMs, updatedAtMs: nowMs });
    }
    for (const [tenant, sig] of this.#lastSnapshot) {
      if (this.#openByTenant.has(tenant) || sig === CLOSED_SNAPSHOT) continue;
      this.#lastSnapshot.set(tenant, CLOSED_SNAPSHOT);
      rows.push({ replicaId: this.#replicaId, tenant, team: '', openCount: 0, reservedNano: 0n, expiresAtMs: nowMs, updatedAtMs: nowMs });
    }
    return rows;
  }

  /** At start: this replica's snapshots from before a restart come back as one reservation per tenant, held until the last of them would have expired. */
  restore(snapshots: readonly ReservationSnapshot[]): void {
    for (const r of snapshots) {
      if (r.replicaId !== this.#replicaId) continue;
      const owner = this.ownerFor(r.tenant, r.team) as Owner;
      this.#restored.set(`${RESTORED}${randomUUID()}`, { owner, amountNano: r.reservedNano, expiresAtMs: r.expiresAtMs });
      this.#hold(owner, r.reservedNano, r.expiresAtMs);
      this.#lastSnapshot.set(r.tenant, `${r.openCount}|${r.reservedNano}|${r.expiresAtMs}`);
    }
  }

  /** Replaces what the other replicas hold by their latest snapshots, in one synchronous pass (no decision sees a half-updated total). */
  countRemote(snapshots: readonly ReservationSnapshot[]): void {
    for (const a of this.#totals.values()) a.remoteNano = 0n;
    for (const r of snapshots) {
      if (r.replicaId === this.#replicaId) continue;
      this.#total(tenantScopeKey(r.tenant)).remoteNano += r.reservedNano;
      this.#total(teamScopeKey(r.team)).remoteNano += r.reservedNano;
    }
  }

  #total(key: string): Total {
    let a = this.#totals.get(key);
    if (a === undefined) {
      a = { reservedNano: 0n, remoteNano: 0n };
      this.#totals.set(key, a);
    }
    return a;
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
    this.#release(owner, amountNano);
    return true;
  }

  #dropRestored(id: string, r: Restored): void {
    this.#restored.delete(id);
    this.#release(r.owner, r.amountNano);
  }

  #hold(o: Owner, amountNano: bigint, expiresAtMs: number): void {
    o.tenantAcc.reservedNano += amountNano;
    o.teamAcc.reservedNano += amountNano;
    const t = this.#openByTenant.get(o.tenantId);
    if (t === undefined) this.#openByTenant.set(o.tenantId, { team: o.team, acc: o.tenantAcc, count: 1, expiresAtMs });
    else {
      t.count++;
      if (expiresAtMs > t.expiresAtMs) t.expiresAtMs = expiresAtMs;
    }
  }

  #release(o: Owner, amountNano: bigint): void {
    o.tenantAcc.reservedNano -= amountNano;
    o.teamAcc.reservedNano -= amountNano;
    const t = this.#openByTenant.get(o.tenantId)!;
    // The snapshot's expiry stays the latest ever opened while any is open: an upper bound
    // that other replicas only use to forget a snapshot nobody renews.
    if (--t.count === 0) this.#openByTenant.delete(o.tenantId);
  }
}
