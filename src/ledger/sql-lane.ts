import { SqlRefusal } from './sql-refusal';

/** A fixed number of slots for callers' queries, with a bounded, timed queue in front. */
export interface QueryLane {
  /**
   * Runs `fn` with a free slot's index once one is free. Refuses with 503 and
   * Retry-After when the queue is full or the wait passes the queue timeout, and
   * stops waiting (rejecting with `signal.reason`) when `signal` aborts first.
   */
  run<T>(fn: (slot: number) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Queries running and waiting now. */
  stats(): { running: number; queued: number };
}

interface Waiter {
  grant: (slot: number) => void;
  fail: (err: unknown) => void;
}

/** Creates a lane of `slots` slots, at most `maxQueued` waiting, each at most `queueTimeoutMs`. */
export function createQueryLane(opts: { slots: number; maxQueued: number; queueTimeoutMs: number }): QueryLane {
  const free: number[] = Array.from({ length: opts.slots }, (_v, i) => opts.slots - 1 - i);
  const queue: Waiter[] = [];
  const busy = (why: string) => new SqlRefusal(503, 202, 'TOO_MANY_SIMULTANEOUS_QUERIES', `${why}: ${opts.slots} queries run at once on /clickhouse; try again shortly`, 1);

  const acquire = (signal?: AbortSignal): Promise<number> => {
    const slot = free.pop();
    if (slot !== undefined) return Promise.resolve(slot);
    if (queue.length >= opts.maxQueued) return Promise.reject(busy('the query queue is full'));
    return new Promise<number>((resolve, reject) => {
      const leave = () => {
        const i = queue.indexOf(waiter);
        if (i >= 0) queue.splice(i, 1);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        grant: (s) => {
          leave();
          resolve(s);
        },
        fail: (err) => {
          leave();
          reject(err);
        },
      };
      const onAbort = () => waiter.fail(signal!.reason);
      const timer = setTimeout(() => waiter.fail(busy(`no slot became free in ${opts.queueTimeoutMs} ms`)), opts.queueTimeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
    });
  };

  const release = (slot: number) => {
    const next = queue[0];
    if (next !== undefined) next.grant(slot);
    else free.push(slot);
  };

  return {
    async run(fn, signal) {
      const slot = await acquire(signal);
      try {
        return await fn(slot);
      } finally {
        release(slot);
      }
    },
    stats: () => ({ running: opts.slots - free.length, queued: queue.length }),
  };
}
