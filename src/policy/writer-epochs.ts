import { randomUUID } from 'node:crypto';
import type { WriterStamp } from '../pipeline';

/**
 * This process's writes, numbered by refresh epoch, so that a refresh's read of the ledger
 * holds exactly the calls counted in memory before its boundary. Every call is stamped
 * with this process (a nonce tells restarts apart) and the epoch it arrived in; `advance`
 * opens a new epoch, and `drained` waits until the writes of the earlier ones ended, after
 * which the ledger can be read without this process's calls of the new epoch.
 */
export class WriterEpochs {
  /** This process as a writer: the replica and a nonce per start. */
  readonly writerId: string;
  #stamp: WriterStamp;
  /** epoch -> writes between `began` and `ended` */
  readonly #inFlight = new Map<number, number>();
  #waiter: { boundary: number; resolve: () => void } | undefined;

  constructor(replicaId: string) {
    this.writerId = `${replicaId}/${randomUUID().slice(0, 8)}`;
    this.#stamp = { writerId: this.writerId, epoch: 1 };
  }

  /** The stamp of calls arriving now (one object per epoch, shared by its calls). */
  get stamp(): WriterStamp {
    return this.#stamp;
  }

  /** One write of calls stamped now has begun; `ended` of its epoch must follow. */
  began(): void {
    const epoch = this.#stamp.epoch;
    this.#inFlight.set(epoch, (this.#inFlight.get(epoch) ?? 0) + 1);
  }

  /** One write of calls stamped in `epoch` has ended, stored or not. */
  ended(epoch: number): void {
    const n = (this.#inFlight.get(epoch) ?? 1) - 1;
    if (n <= 0) this.#inFlight.delete(epoch);
    else this.#inFlight.set(epoch, n);
    const w = this.#waiter;
    if (w !== undefined && this.#drainedBefore(w.boundary)) {
      this.#waiter = undefined;
      w.resolve();
    }
  }

  /** True when a call of `stamp` arrived before the current epoch opened. */
  isEarlier(stamp: WriterStamp | undefined): boolean {
    return stamp !== undefined && stamp.epoch < this.#stamp.epoch;
  }

  /** Opens the next epoch and returns it: the boundary of the read that follows. */
  advance(): number {
    this.#stamp = { writerId: this.writerId, epoch: this.#stamp.epoch + 1 };
    return this.#stamp.epoch;
  }

  /** Resolves once no write of an epoch before `boundary` is in flight (one waiter at a time: refreshes do not overlap). */
  drained(boundary: number): Promise<void> {
    if (this.#drainedBefore(boundary)) return Promise.resolve();
    return new Promise<void>((resolve) => (this.#waiter = { boundary, resolve }));
  }

  #drainedBefore(boundary: number): boolean {
    for (const [epoch, n] of this.#inFlight) if (epoch < boundary && n > 0) return false;
    return true;
  }
}
