import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RetryableError } from '../pipeline';
import { createAdmission } from './admission';

test('above the soft memory limit exports are refused as retryable (503), before any decoding', () => {
  const admit = createAdmission({ memorySoftLimitMb: 100, senderRequestsPerSecond: 0 }, () => 150 * 1048576);
  assert.throws(() => admit('a'), (err: unknown) => err instanceof RetryableError && !err.throttled && /memory limit: 150 MiB resident, soft limit 100 MiB/.test(err.message));
  assert.doesNotThrow(() => createAdmission({ memorySoftLimitMb: 200, senderRequestsPerSecond: 0 }, () => 150 * 1048576)('a'));
});

test('each sender gets its own bucket: a burst of twice the rate, then throttled (429)', () => {
  const admit = createAdmission({ memorySoftLimitMb: 1_000_000, senderRequestsPerSecond: 5 }, () => 0);
  for (let i = 0; i < 10; i++) admit('runaway');
  assert.throws(() => admit('runaway'), (err: unknown) => err instanceof RetryableError && err.throttled && err.retryAfterMs >= 1000);
  assert.doesNotThrow(() => admit('quiet'));
});
