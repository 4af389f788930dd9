import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dayRuns } from './daily-rollups';

test('dayRuns groups consecutive days, across month ends, and caps each run', () => {
  assert.deepEqual(dayRuns([]), []);
  assert.deepEqual(dayRuns(['2026-11-03', '2026-10-31', '2026-11-01', '2026-11-01', '2026-11-02', '2026-11-20']), [
    ['2026-10-31', '2026-11-03'],
    ['2026-11-20', '2026-11-20'],
  ]);
  assert.deepEqual(dayRuns(['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05'], 2), [
    ['2026-01-01', '2026-01-02'],
    ['2026-01-03', '2026-01-04'],
    ['2026-01-05', '2026-01-05'],
  ]);
});
