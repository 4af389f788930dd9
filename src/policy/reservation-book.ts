import { randomBytes } from 'node:crypto';

/** What the book needs of a reservation. `seq` is set by the book. */
export interface BookEntry {
  id: string;
  requestId: string;
  expiresAtMs: number;
  seq: number;
}

const COMPACT_AFTER = 4096;

/**
 * Open reservations, kept in the order they were opened, which with one time to live is
 * also the order they expire. Ids are UUIDs (version 8: a random per-book prefix, then a
 * 48-bit sequence number), so an id leads straight to its slot in a queue: a busy gateway
 * holds hundreds of thousands of reservations, and a hash map keyed by random ids cost a
 * cache miss per insert and grew the heap the collector walks. Restored entries (one per
 * tenant after a restart, each with its own expiry) sit apart, by id.
 */
export class ReservationBook<R extends BookEntry> {
  readonly #prefix: string;
  #slots: (R | undefined)[] = [];
  /** Index in #slots of the oldest slot not yet passed. */
  #head = 0;
  /** Sequence number of #slots[0]. */
  #base = 0;
  #next = 0;
  #open = 0;
  readonly #restored = new Map<string, R>();
  readonly #byRequest = new Map<string, R>();

  constructor() {
    const b = randomBytes(10);
    b[6] = (b[6]! & 0x0f) | 0x80; // version 8
    b[8] = (b[8]! & 0x3f) | 0x80; // RFC 9562 variant
    const hex = b.toString('hex');
    this.#prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-`;
  }

  /** Open reservations, restored ones included. */
  get size(): number {
    return this.#open + this.#restored.size;
  }

  /** The id the next `add` must carry; call it only for a reservation about to be added. */
  nextId(): string {
    return this.#prefix + this.#next.toString(16).padStart(12, '0');
  }

  /** Adds a reservation carrying `nextId()`. */
  add(r: R): void {
    r.seq = this.#next++;
    this.#slots.push(r);
    this.#open++;
    if (r.requestId) this.#byRequest.set(r.requestId, r);
  }

  /** Adds a reservation restored at start (its own id and expiry). */
  addRestored(r: R): void {
    r.seq = -1;
    this.#restored.set(r.id, r);
  }

  get(id: string): R | undefined {
    if (id.length === 36 && id.startsWith(this.#prefix)) {
      const seq = Number.parseInt(id.slice(24), 16);
      const r = this.#slots[seq - this.#base];
      return r !== undefined && r.id === id ? r : undefined;
    }
    return this.#restored.get(id);
  }

  byRequest(requestId: string): R | undefined {
    return this.#byRequest.get(requestId);
  }

  /** Removes an open reservation; false if it was not open. */
  delete(r: R): boolean {
    if (r.seq < 0) return this.#restored.delete(r.id);
    const i = r.seq - this.#base;
    if (i < this.#head || this.#slots[i] !== r) return false;
    this.#slots[i] = undefined;
    this.#open--;
    if (r.requestId && this.#byRequest.get(r.requestId) === r) this.#byRequest.delete(r.requestId);
    this.#advance();
    return true;
  }

  /** The oldest open reservation that is not a restored one. */
  oldest(): R | undefined {
    return this.#slots[this.#head];
  }

  /** Every open reservation whose expiry is at or before `nowMs`, oldest first. */
  expired(nowMs: number): R[] {
    const out: R[] = [];
    for (const r of this.#restored.values()) if (r.expiresAtMs <= nowMs) out.push(r);
    for (let i = this.#head; i < this.#slots.length; i++) {
      const r = this.#slots[i];
      if (r === undefined) continue;
      if (r.expiresAtMs > nowMs) break;
      out.push(r);
    }
    return out;
  }

  #advance(): void {
    while (this.#head < this.#slots.length && this.#slots[this.#head] === undefined) this.#head++;
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#slots.length) {
      this.#slots = this.#slots.slice(this.#head);
      this.#base += this.#head;
      this.#head = 0;
    }
  }
}
