import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from './rate-limiter';

test('N requests per minute pass, the next is refused with retry_after', () => {
  const rl = new RateLimiter();
  const t0 = Date.parse('2026-11-22T10:00:10Z');
  for (let i = 0; i < 5; i++) assert.equal(rl.check('t', { requestsPerMinute: 5 }, 0, t0 + i).allowed, true);
  const refused = rl.check('t', { requestsPerMinute: 5 }, 0, t0 + 10);
  assert.deepEqual(refused, { allowed: false, retryAfterS: 50, limit: 'requests_per_minute' });
  // Two minutes later the window is clear.
  assert.equal(rl.check('t', { requestsPerMinute: 5 }, 0, t0 + 120_000).allowed, true);
});

test('the previous minute still weighs in proportion to its overlap', () => {
  const rl = new RateLimiter();
  const t0 = Date.parse('2026-11-22T10:00:00Z');
  for (let i = 0; i < 10; i++) rl.check('t', { requestsPerMinute: 10 }, 0, t0 + 59_000);
  // 15 s into the next minute, 75% of the last minute's 10 requests still count.
  assert.equal(rl.check('t', { requestsPerMinute: 10 }, 0, t0 + 75_000).allowed, true);
  assert.equal(rl.check('t', { requestsPerMinute: 10 }, 0, t0 + 75_001).allowed, true);
  assert.equal(rl.check('t', { requestsPerMinute: 10 }, 0, t0 + 75_002).allowed, false);
});

test('tokens per minute count estimated tokens', () => {
  const rl = new RateLimiter();
  const t0 = Date.parse('2026-11-22T10:00:00Z');
  assert.equal(rl.check('t', { tokensPerMinute: 1000 }, 800, t0).allowed, true);
  assert.equal(rl.check('t', { tokensPerMinute: 1000 }, 300, t0).limit, 'tokens_per_minute');
  assert.equal(rl.check('t', { tokensPerMinute: 1000 }, 200, t0).allowed, true);
});
