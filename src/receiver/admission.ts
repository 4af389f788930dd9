import { RetryableError } from '../pipeline';

/** Refuses an export, retryably, before any work is spent on it. */
export type Admit = (senderKey: string) => void;

/**
 * Admission before decoding: the memory limiter (resident memory above the soft limit:
 * 503 / UNAVAILABLE, retry in 2 s) and a token bucket per sender (over its rate: 429 /
 * RESOURCE_EXHAUSTED with the time until a token frees), so one runaway exporter cannot
 * starve the others. Buckets are a few numbers per sender, refilled lazily on use.
 */
export function createAdmission(opts: { memorySoftLimitMb: number; senderRequestsPerSecond: number }, rss: () => number = process.memoryUsage.rss): Admit {
  const softBytes = opts.memorySoftLimitMb * 1024 * 1024;
  const rate = opts.senderRequestsPerSecond;
  const burst = rate * 2;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (senderKey) => {
    const used = rss();
    if (used > softBytes) {
      throw new RetryableError(`memory limit: ${Math.round(used / 1048576)} MiB resident, soft limit ${opts.memorySoftLimitMb} MiB`, 2000);
    }
    if (rate <= 0) return;
    const now = performance.now();
    let b = buckets.get(senderKey);
    if (b === undefined) {
      if (buckets.size > 100_000) buckets.clear();
      b = { tokens: burst, at: now };
      buckets.set(senderKey, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens < 1) {
      const waitMs = Math.ceil(((1 - b.tokens) / rate) * 1000);
      throw new RetryableError(`sender ${senderKey} is over ${rate} export requests per second`, Math.max(waitMs, 1000), { throttled: true });
    }
    b.tokens -= 1;
  };
}
