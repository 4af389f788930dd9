import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rateLimited } from './rate-limited-log';

test('a rate-limited log speaks once per interval and says how many it swallowed', () => {
  let now = 0;
  const said: number[] = [];
  const log = rateLimited(60_000, (n) => said.push(n), () => now);
  for (let i = 0; i < 5; i++) log();
  now = 59_999;
  log();
  now = 60_000;
  log();
  log();
  assert.deepEqual(said, [0, 5]);
});
