import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monthInProgress, parsePeriod, previousPeriod } from './period';

const at = (iso: string) => Date.parse(iso);

test('a month in progress is compared with the same days of the month before', () => {
  const now = at('2026-12-03T09:00:00Z');
  const dec = parsePeriod({ period: '2026-12' }, now);
  assert.equal(monthInProgress(dec, now), true);
  const prev = previousPeriod(dec, now);
  assert.deepEqual([prev.label, prev.from, prev.to], ['2026-11-01..2026-11-04', '2026-11-01 00:00:00.000', '2026-11-04 00:00:00.000']);
  // The 31st of a month against a 30-day one: at most the whole month before.
  const may = parsePeriod({ period: '2026-05' });
  assert.deepEqual(previousPeriod(may, at('2026-05-31T23:00:00Z')).label, '2026-04-01..2026-05-01');
});

test('a closed month is compared with the whole month before; a from/to span with an equally long one', () => {
  const now = at('2026-12-03T09:00:00Z');
  const nov = parsePeriod({ period: '2026-11' }, now);
  assert.equal(monthInProgress(nov, now), false);
  assert.equal(previousPeriod(nov, now).label, '2026-10');
  const span = parsePeriod({ from: '2026-11-10', to: '2026-11-20' }, now);
  assert.equal(monthInProgress(span, now), false);
  assert.equal(previousPeriod(span, now).label, '2026-10-31..2026-11-10');
});
