import { tenantScopeKey, teamScopeKey } from './scope-keys';
import type { ReservationSnapshot } from './types';

/** What is reserved against one budget scope: by this replica's open reservations, and by the other replicas' (their latest snapshots). */
export interface ReservedTotal {
  readonly reservedNano: bigint;
  readonly remoteNano: bigint;
}

/** Whom a reservation is held for; made by `ReservedTotals.ownerFor` (through `Reservations`), kept per tenant runtime. */
export interface ReservationOwner {
  readonly tenantId: string;
  readonly team: string;
}

interface Total {
  reservedNano: bigint;
  remoteNano: bigint;
}

/** An owner as the totals know it: the two totals its holds count in. */
export interface HoldOwner extends ReservationOwner {
  readonly tenantAcc: Total;
  readonly teamAcc: Total;
}

/** A tenant's open holds: how many, the latest expiry, and the team they were first opened under. */
interface OpenTenant {
  team: string;
  acc: Total;
  count: number;
  expiresAtMs: number;
}

const CLOSED_SNAPSHOT = '0|0|0';

/**
 * The reserved totals per budget scope and the per-tenant figures snapshots store: the only
 * writer of what is reserved. `Reservations` calls `hold` and `release` for every
 * reservation it opens, restores and closes; the other replicas' part comes from their
 * snapshots.
 */
export class ReservedTotals {
  readonly #replicaId: string;
  // Per scope key; never removed, so tenant runtimes can hold them.
  readonly #totals = new Map<string, Total>();
  // Per tenant with open holds, kept as they open and close so a snapshot costs the number
  // of tenants, not the number of reservations (a busy gateway holds hundreds of
  // thousands). Their sum is the tenant's reserved total.
  readonly #openByTenant = new Map<string, OpenTenant>();
  // What the last snapshot said per tenant, so only changes are written.
  readonly #lastSnapshot = new Map<string, string>();

  constructor(replicaId: string) {
    this.#replicaId = replicaId;
  }

  /** The live total of scope `key` (see `tenantScopeKey`, `teamScopeKey`); the same object for as long as the process runs. */
  totalOf(key: string): ReservedTotal {
    return this.#total(key);
  }

  /** The owner of a tenant's holds, counted against its tenant and team scopes. */
  ownerFor(tenantId: string, team: string): HoldOwner {
    return { tenantId, team, tenantAcc: this.#total(tenantScopeKey(tenantId)), teamAcc: this.#total(teamScopeKey(team)) };
  }

  hold(o: HoldOwner, amountNano: bigint, expiresAtMs: number): void {
    o.tenantAcc.reservedNano += amountNano;
    o.teamAcc.reservedNano += amountNano;
    const t = this.#openByTenant.get(o.tenantId);
    if (t === undefined) this.#openByTenant.set(o.tenantId, { team: o.team, acc: o.tenantAcc, count: 1, expiresAtMs });
    else {
      t.count++;
      if (expiresAtMs > t.expiresAtMs) t.expiresAtMs = expiresAtMs;
    }
  }

  /** Releases a hold `hold` counted; the caller releases each once. */
  release(o: HoldOwner, amountNano: bigint): void {
    o.tenantAcc.reservedNano -= amountNano;
    o.teamAcc.reservedNano -= amountNano;
    const t = this.#openByTenant.get(o.tenantId)!;
    // The snapshot's expiry stays the latest ever opened while any is open: an upper bound
    // that other replicas only use to forget a snapshot nobody renews.
    if (--t.count === 0) this.#openByTenant.delete(o.tenantId);
  }

  /** A snapshot of this replica read back at start: later snapshots write only what differs from it. */
  restored(r: ReservationSnapshot): void {
    this.#lastSnapshot.set(r.tenant, `${r.openCount}|${r.reservedNano}|${r.expiresAtMs}`);
  }

  /** This replica's open holds per tenant where they changed since the last snapshot (a tenant with none left once, as zeros). */
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
}
