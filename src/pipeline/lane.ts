/** A fixed number of slots for work that must not run unbounded, with a bounded, timed queue in front. */
export interface Lane {
  /**
   * Runs `fn` with a free slot's index once one is free. Rejects with the lane's `busy` error
   * when the queue is full or the wait passes the queue timeout, and stops waiting (rejecting
   * with `signal.reason`) when `signal` aborts first.
   */
  run<T>(fn: (slot: number) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Work running and waiting now. */
  stats(): { running: number; queued: number };
}

/** How a lane is sized, and the error a caller gets when it is busy (`why` says which limit). */
export interface LaneOptions {
  slots: number;
  maxQueued: number;
  queueTimeoutMs: number;
  busy: (why: string) => Error;
}

interface Waiter {
  grant: (slot: number) => void;
  fail: (err: unknown) => void;
}

// Hand-written: the few semaphore packages on npm have no timed, bounded queue with abort,
// and the slot index is needed (each SQL slot owns an engine session).
/** Creates a lane of `slots` slots, at most `maxQueued` waiting, each at most `queueTimeoutMs`. */
export function createLane(opts: LaneOptions): Lane {
  const free: number[] = Array.from({ length: opts.slots }, (_v, i) => opts.slots - 1 - i);
  const queue: Waiter[] = [];

  const acquire = (signal?: AbortSignal): Promise<number> => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const slot = free.pop();
    if (slot !== undefined) return Promise.resolve(slot);
    if (queue.length >= opts.maxQueued) return Promise.reject(opts.busy('the queue is full'));
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
      const timer = setTimeout(() => waiter.fail(opts.busy(`no slot became free in ${opts.queueTimeoutMs} ms`)), opts.queueTimeoutMs);
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
