import { randomBytes } from 'node:crypto';

const INITIAL_CAPACITY = 1024;
const COMPACT_AFTER = 4096;
const MAX_AMOUNT_NANO = 2n ** 63n - 1n;

/**
 * Open reservations, in the order they were opened, which with one time to live is also
 * the order they expire. A reservation is a sequence number; its fields live in typed
 * arrays indexed by it, so an open reservation costs no object of its own, only its request
 * id and that id's map entry. A busy gateway holds hundreds of thousands of them: as
 * objects in hash maps keyed by random ids they cost a cache miss per insert, and the
 * collector's pauses, which set the decision's tail latency, grew with them.
 *
 * Ids are UUIDs (version 8): a random per-book prefix, then the 48-bit sequence number,
 * so an id leads straight to its slot. `O` is what the caller files a reservation under
 * (the engine's per-tenant object); it is kept by reference.
 *
 * Request ids come from senders, so they are only unique within a scope (the engine's
 * tenant): a reservation is found by its scope and request id together, never by the
 * request id alone. Each also keeps the gateway that opened it.
 */
export class ReservationBook<O> {
  readonly #prefix: string;
  /** Sequence number of slot 0. */
  #base = 0;
  /** First slot that may still be open. */
  #head = 0;
  /** Slots in use (open or closed, not yet compacted away). */
  #length = 0;
  #open = 0;
  #amount = new BigInt64Array(INITIAL_CAPACITY);
  #expires = new Float64Array(INITIAL_CAPACITY);
  #outcome = new Uint8Array(INITIAL_CAPACITY);
  #isOpen = new Uint8Array(INITIAL_CAPACITY);
  // Plain arrays grown by push, one entry per slot in use: preallocated large arrays would
  // fall back to V8's slow dictionary elements.
  #owner: (O | undefined)[] = [];
  #request: (string | undefined)[] = [];
  #scope: (string | undefined)[] = [];
  #gateway: (string | undefined)[] = [];
  /** scope -> request id -> sequence number; one inner map per scope, kept once made. */
  readonly #byRequest = new Map<string, Map<string, number>>();

  constructor() {
    const b = randomBytes(10);
    b[6] = (b[6]! & 0x0f) | 0x80; // version 8
    b[8] = (b[8]! & 0x3f) | 0x80; // RFC 9562 variant
    const hex = b.toString('hex');
    this.#prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-`;
  }

  /** Open reservations. */
  get size(): number {
    return this.#open;
  }

  /**
   * Opens a reservation; returns its sequence number. With a request id, it is found by
   * (`scope`, `requestId`) from then on, in place of any other open under the same pair.
   */
  open(owner: O, amountNano: bigint, expiresAtMs: number, outcome: number, scope: string, requestId: string, gateway = ''): number {
    if (amountNano < 0n || amountNano > MAX_AMOUNT_NANO) throw new RangeError(`reservation amount ${amountNano} nano-USD is outside 0..2^63-1`);
    if (this.#length === this.#amount.length) this.#grow();
    const i = this.#length++;
    this.#amount[i] = amountNano;
    this.#expires[i] = expiresAtMs;
    this.#outcome[i] = outcome;
    this.#isOpen[i] = 1;
    this.#owner.push(owner);
    this.#request.push(requestId || undefined);
    this.#scope.push(requestId ? scope : undefined);
    this.#gateway.push(gateway || undefined);
    this.#open++;
    const seq = this.#base + i;
    if (requestId) {
      let m = this.#byRequest.get(scope);
      if (m === undefined) this.#byRequest.set(scope, (m = new Map()));
      m.set(requestId, seq);
    }
    return seq;
  }

  /** The reservation's id, which is also the id of the decision that opened it. */
  idOf(seq: number): string {
    return this.#prefix + seq.toString(16).padStart(12, '0');
  }

  /** The open reservation with this id, or -1. */
  find(id: string): number {
    if (id.length !== 36 || !id.startsWith(this.#prefix)) return -1;
    const seq = Number.parseInt(id.slice(24), 16);
    return this.isOpen(seq) ? seq : -1;
  }

  /** The open reservation made in `scope` for this request id, or -1. */
  findByRequest(scope: string, requestId: string): number {
    const seq = this.#byRequest.get(scope)?.get(requestId);
    return seq === undefined ? -1 : seq;
  }

  isOpen(seq: number): boolean {
    const i = seq - this.#base;
    return i >= this.#head && i < this.#length && this.#isOpen[i] === 1;
  }

  amountOf(seq: number): bigint {
    return this.#amount[seq - this.#base]!;
  }

  expiresAtOf(seq: number): number {
    return this.#expires[seq - this.#base]!;
  }

  outcomeOf(seq: number): number {
    return this.#outcome[seq - this.#base]!;
  }

  ownerOf(seq: number): O {
    return this.#owner[seq - this.#base]!;
  }

  requestOf(seq: number): string {
    return this.#request[seq - this.#base] ?? '';
  }

  /** The gateway that opened the reservation, or '' if none was named. */
  gatewayOf(seq: number): string {
    return this.#gateway[seq - this.#base] ?? '';
  }

  /** Closes an open reservation; false if it was not open. */
  close(seq: number): boolean {
    if (!this.isOpen(seq)) return false;
    const i = seq - this.#base;
    this.#isOpen[i] = 0;
    this.#open--;
    const requestId = this.#request[i];
    if (requestId !== undefined) {
      const m = this.#byRequest.get(this.#scope[i]!);
      if (m !== undefined && m.get(requestId) === seq) m.delete(requestId);
    }
    this.#owner[i] = undefined;
    this.#request[i] = undefined;
    this.#scope[i] = undefined;
    this.#gateway[i] = undefined;
    while (this.#head < this.#length && this.#isOpen[this.#head] === 0) this.#head++;
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#length) this.#compact();
    return true;
  }

  /** The oldest open reservation, or -1. */
  oldest(): number {
    return this.#head < this.#length ? this.#base + this.#head : -1;
  }

  /** The open reservations expiring at or before `nowMs`, oldest first. */
  expired(nowMs: number): number[] {
    const out: number[] = [];
    for (let i = this.#head; i < this.#length; i++) {
      if (this.#isOpen[i] === 0) continue;
      if (this.#expires[i]! > nowMs) break;
      out.push(this.#base + i);
    }
    return out;
  }

  #grow(): void {
    if (this.#head > 0) {
      this.#compact();
      if (this.#length < this.#amount.length) return;
    }
    const capacity = this.#amount.length * 2;
    const widen = <T extends BigInt64Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(capacity);
      b.set(a as never);
      return b;
    };
    this.#amount = widen(this.#amount, (n) => new BigInt64Array(n));
    this.#expires = widen(this.#expires, (n) => new Float64Array(n));
    this.#outcome = widen(this.#outcome, (n) => new Uint8Array(n));
    this.#isOpen = widen(this.#isOpen, (n) => new Uint8Array(n));
  }

  /** Drops the closed slots before #head, moving the rest to the front. */
  #compact(): void {
    const from = this.#head;
    const n = this.#length - from;
    this.#amount.copyWithin(0, from, this.#length);
    this.#expires.copyWithin(0, from, this.#length);
    this.#outcome.copyWithin(0, from, this.#length);
    this.#isOpen.copyWithin(0, from, this.#length);
    this.#isOpen.fill(0, n, this.#length);
    this.#owner.copyWithin(0, from, this.#length);
    this.#owner.length = n;
    this.#request.copyWithin(0, from, this.#length);
    this.#request.length = n;
    this.#scope.copyWithin(0, from, this.#length);
    this.#scope.length = n;
    this.#gateway.copyWithin(0, from, this.#length);
    this.#gateway.length = n;
    this.#base += from;
    this.#head = 0;
    this.#length = n;
  }
}
