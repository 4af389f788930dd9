/** A request against a tenant's per-minute limits. */
export interface RateCheck {
  allowed: boolean;
  /** Seconds until the request would fit, when refused. */
  retryAfterS: number;
  /** Which limit refused it. */
  limit?: 'requests_per_minute' | 'tokens_per_minute';
}

interface Window {
  start: number;
  requests: number;
  tokens: number;
  prevRequests: number;
  prevTokens: number;
}

const MINUTE_MS = 60_000;

/**
 * Per-tenant requests and tokens per minute, as a sliding window over two fixed minutes
 * (the previous minute's count weighted by how much of it still overlaps the last 60 s).
 * Constant memory per tenant; counts only what it admits.
 */
export class RateLimiter {
  readonly #windows = new Map<string, Window>();

  check(key: string, limits: { requestsPerMinute?: number; tokensPerMinute?: number } | undefined, tokens: number, nowMs: number): RateCheck {
    if (limits === undefined || (limits.requestsPerMinute === undefined && limits.tokensPerMinute === undefined)) return { allowed: true, retryAfterS: 0 };
    const w = this.#window(key, nowMs);
    const overlap = 1 - (nowMs - w.start) / MINUTE_MS;
    const requests = w.requests + w.prevRequests * overlap;
    const usedTokens = w.tokens + w.prevTokens * overlap;
    const retryAfterS = Math.max(1, Math.ceil((w.start + MINUTE_MS - nowMs) / 1000));
    if (limits.requestsPerMinute !== undefined && requests + 1 > limits.requestsPerMinute) return { allowed: false, retryAfterS, limit: 'requests_per_minute' };
    if (limits.tokensPerMinute !== undefined && usedTokens + tokens > limits.tokensPerMinute) return { allowed: false, retryAfterS, limit: 'tokens_per_minute' };
    w.requests++;
    w.tokens += tokens;
    return { allowed: true, retryAfterS: 0 };
  }

  #window(key: string, nowMs: number): Window {
    const start = nowMs - (nowMs % MINUTE_MS);
    let w = this.#windows.get(key);
    if (w === undefined) {
      w = { start, requests: 0, tokens: 0, prevRequests: 0, prevTokens: 0 };
      this.#windows.set(key, w);
    } else if (w.start !== start) {
      const adjacent = start - w.start === MINUTE_MS;
      w.prevRequests = adjacent ? w.requests : 0;
      w.prevTokens = adjacent ? w.tokens : 0;
      w.requests = 0;
      w.tokens = 0;
      w.start = start;
    }
    return w;
  }
}
