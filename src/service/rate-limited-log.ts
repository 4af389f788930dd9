/**
 * Calls `log(suppressed)` at most once per `intervalMs`; `suppressed` is how many calls were
 * swallowed since the last one. For failures that repeat every second (a spool replay while
 * storage refuses), so the log says it once a minute with a count, not sixty times.
 */
export function rateLimited(intervalMs: number, log: (suppressed: number) => void, nowMs: () => number = Date.now): () => void {
  let lastMs = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return () => {
    const now = nowMs();
    if (now - lastMs < intervalMs) {
      suppressed++;
      return;
    }
    lastMs = now;
    log(suppressed);
    suppressed = 0;
  };
}
