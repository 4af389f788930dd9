import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closedDays } from './policy-queries';

const at = (iso: string) => Date.parse(iso);

test('closedDays: whole UTC days inside the period and before yesterday', () => {
  const now = at('2026-11-22T15:00:00Z');
  // A month in UTC: the 1st up to (not including) the 21st, yesterday.
  assert.deepEqual(closedDays(at('2026-11-01T00:00:00Z'), at('2026-12-01T00:00:00Z'), now), [at('2026-11-01T00:00:00Z'), at('2026-11-21T00:00:00Z')]);
  // A month in UTC-5 starts at 05:00Z: its first partial day is not whole.
  assert.deepEqual(closedDays(at('2026-11-01T05:00:00Z'), at('2026-12-01T05:00:00Z'), now), [at('2026-11-02T00:00:00Z'), at('2026-11-21T00:00:00Z')]);
  // A period that ended: every whole day inside it.
  assert.deepEqual(closedDays(at('2026-10-01T00:00:00Z'), at('2026-11-01T00:00:00Z'), now), [at('2026-10-01T00:00:00Z'), at('2026-11-01T00:00:00Z')]);
  // Early in a period, or a daily budget: none.
  assert.equal(closedDays(at('2026-11-21T00:00:00Z'), at('2026-12-01T00:00:00Z'), now), undefined);
  assert.equal(closedDays(at('2026-11-22T00:00:00Z'), at('2026-11-23T00:00:00Z'), now), undefined);
});
