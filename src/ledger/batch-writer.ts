import { RetryableError } from '../pipeline';
import { classifyStorageError } from './storage-errors';

/** Writes one batch of rows; rejects if storage did not take it. */
export type InsertRows = (rows: unknown[][]) => Promise<void>;

/** Batch sizes, insert concurrency and the backpressure limit. */
export interface BatchWriterOptions {
  maxRows: number;
  maxDelayMs: number;
  /**
   * While no batch is being written, a batch waits only this long for more rows (default:
   * `maxDelayMs`). Senders that wait for their acknowledgement send nothing more meanwhile,
   * so waiting longer only adds latency; while a batch is in flight, rows gather anyway.
   */
  idleLingerMs?: number;
  /** Batches written at the same time (ClickHouse parses one insert on about one core). */
  maxInFlight?: number;
  /**
   * A batch of at least twice this many rows is split, at write boundaries, across the free
   * insert slots, so ClickHouse parses the parts on several cores at once (one insert is
   * parsed on about one). Small batches are never split, so light load makes no extra parts.
   */
  splitMinRows?: number;
  /** Rows buffered or in flight beyond which `write` refuses with a RetryableError. */
  maxPendingRows: number;
  /** Told after every batch, for metrics. */
  onBatch?: (rows: number, ms: number, ok: boolean) => void;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
  /** This write's rows within the batch. */
  start: number;
  count: number;
}

/**
 * Collects rows from many requests into batches, flushed when `maxRows` is reached or
 * the oldest row has waited `maxDelayMs` (`idleLingerMs` when nothing is being written). `write` resolves only after the batch holding
 * its rows was written, so callers acknowledge senders only for stored data. Up to
 * `maxInFlight` batches are written at once; rows that queued behind a busy writer are
 * written as soon as a slot frees (group commit), so under load batches run back to back.
 */
export class BatchWriter {
  #rows: unknown[][] = [];
  #waiters: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight = new Set<Promise<void>>();
  #inFlightRows = 0;
  #closed = false;
  readonly #maxInFlight: number;

  constructor(
    private readonly insert: InsertRows,
    private readonly opts: BatchWriterOptions,
  ) {
    this.#maxInFlight = Math.max(1, opts.maxInFlight ?? 1);
  }

  /** Rows waiting or being written. */
  get pendingRows(): number {
    return this.#rows.length + this.#inFlightRows;
  }

  /** Queues `rows`; resolves once they are stored. */
  write(rows: unknown[][]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    if (this.#closed) return Promise.reject(new RetryableError('ledger writer is shutting down', 1000));
    if (this.pendingRows + rows.length > this.opts.maxPendingRows) {
      return Promise.reject(
        new RetryableError(`ledger is behind: ${this.pendingRows} rows waiting for storage`, 2000),
      );
    }
    const start = this.#rows.length;
    for (let i = 0; i < rows.length; i++) this.#rows.push(rows[i]!);
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject, start, count: rows.length }));
    if (this.#rows.length >= this.opts.maxRows) this.#kick();
    else if (this.#timer === undefined) {
      const delayMs = this.#inFlight.size === 0 ? Math.min(this.opts.idleLingerMs ?? this.opts.maxDelayMs, this.opts.maxDelayMs) : this.opts.maxDelayMs;
      this.#timer = setTimeout(() => this.#kick(), delayMs);
    }
    return done;
  }

  /** Writes everything queued and waits for it. */
  async flush(): Promise<void> {
    while (this.#rows.length > 0 || this.#inFlight.size > 0) {
      this.#kick();
      await Promise.race(this.#inFlight).catch(() => undefined);
    }
  }

  /** Refuses new rows, then flushes. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  #kick(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#inFlight.size >= this.#maxInFlight || this.#rows.length === 0) return;
    // A batch takes everything queued, so each write is settled by exactly one batch.
    // While every slot is busy a batch may grow past maxRows, up to maxPendingRows.
    const rows = this.#rows;
    const waiters = this.#waiters;
    this.#rows = [];
    this.#waiters = [];
    const free = this.#maxInFlight - this.#inFlight.size;
    const parts = Math.min(free, Math.floor(rows.length / (this.opts.splitMinRows ?? Infinity)));
    if (parts < 2) {
      this.#start(rows, waiters);
      return;
    }
    // Whole writes per part, each part about rows / parts long.
    const target = rows.length / parts;
    let group: Waiter[] = [];
    let groupStart = 0;
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i]!;
      group.push({ ...w, start: w.start - groupStart });
      const end = w.start + w.count;
      if (i === waiters.length - 1 || end - groupStart >= target) {
        this.#start(rows.slice(groupStart, end), group);
        group = [];
        groupStart = end;
      }
    }
  }

  #start(rows: unknown[][], waiters: Waiter[]): void {
    this.#inFlightRows += rows.length;
    const started = performance.now();
    const batch: Promise<void> = this.insert(rows).then(
      () => {
        this.opts.onBatch?.(rows.length, performance.now() - started, true);
        for (const w of waiters) w.resolve();
      },
      async (err: unknown) => {
        this.opts.onBatch?.(rows.length, performance.now() - started, false);
        if (waiters.length === 1) {
          waiters[0]!.reject(classifyStorageError(err));
          return;
        }
        // One bad write must not sink the others batched with it: retry each write alone.
        for (const w of waiters) {
          try {
            await this.insert(rows.slice(w.start, w.start + w.count));
            w.resolve();
          } catch (e) {
            w.reject(classifyStorageError(e));
          }
        }
      },
    );
    this.#inFlight.add(batch);
    void batch.finally(() => {
      this.#inFlight.delete(batch);
      this.#inFlightRows -= rows.length;
      if (this.#rows.length > 0) this.#kick();
    });
  }
}
