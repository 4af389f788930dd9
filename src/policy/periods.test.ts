import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPeriodCalculator } from './periods';

const calc = createPeriodCalculator();
const iso = (b: { startMs: number; endMs: number }) => [new Date(b.startMs).toISOString(), new Date(b.endMs).toISOString()];

test('a UTC month runs from the 1st to the 1st', () => {
  assert.deepEqual(iso(calc.bounds('month', 'UTC', Date.parse('2026-11-22T17:00:00Z'))), ['2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z']);
  assert.deepEqual(iso(calc.bounds('month', 'UTC', Date.parse('2026-12-31T23:59:59Z'))), ['2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
});

test('periods follow the budget time zone, across a DST change', () => {
  // New York: EDT (UTC-4) on 1 Nov 2026 00:00 local? DST ends 1 Nov 2026 at 02:00, so midnight is still EDT.
  assert.deepEqual(iso(calc.bounds('month', 'America/New_York', Date.parse('2026-11-15T12:00:00Z'))), ['2026-11-01T04:00:00.000Z', '2026-12-01T05:00:00.000Z']);
  // 03:00 UTC on 1 Dec is still 30 Nov in New York.
  assert.deepEqual(iso(calc.bounds('day', 'America/New_York', Date.parse('2026-12-01T03:00:00Z'))), ['2026-11-30T05:00:00.000Z', '2026-12-01T05:00:00.000Z']);
});

test('weeks start on Monday', () => {
  // 22 Nov 2026 is a Sunday.
  assert.deepEqual(iso(calc.bounds('week', 'UTC', Date.parse('2026-11-22T10:00:00Z'))), ['2026-11-16T00:00:00.000Z', '2026-11-23T00:00:00.000Z']);
});

test('where DST starts at midnight the day starts at 01:00 local (Santiago, Havana)', () => {
  // Santiago: on Sunday 6 Sep 2026 clocks jump from 00:00 (UTC-4) to 01:00 (UTC-3): the day
  // starts at 01:00 local = 04:00 UTC; the day before, at 00:00 UTC-4, also 04:00 UTC.
  assert.deepEqual(iso(calc.bounds('day', 'America/Santiago', Date.parse('2026-09-06T12:00:00Z'))), ['2026-09-06T04:00:00.000Z', '2026-09-07T03:00:00.000Z']);
  assert.deepEqual(iso(calc.bounds('day', 'America/Santiago', Date.parse('2026-09-05T12:00:00Z'))), ['2026-09-05T04:00:00.000Z', '2026-09-06T04:00:00.000Z']);
  // Its week (Mon 31 Aug to Mon 7 Sep) ends at Monday's midnight, UTC-3 by then.
  assert.deepEqual(iso(calc.bounds('week', 'America/Santiago', Date.parse('2026-09-06T12:00:00Z'))), ['2026-08-31T04:00:00.000Z', '2026-09-07T03:00:00.000Z']);
  // Havana: on Sunday 8 Mar 2026 clocks jump from 00:00 (UTC-5) to 01:00 (UTC-4): 01:00 local = 05:00 UTC.
  assert.deepEqual(iso(calc.bounds('day', 'America/Havana', Date.parse('2026-03-08T12:00:00Z'))), ['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
  // Santiago's DST end (Sun 5 Apr 2026, 00:00 UTC-3 back to 23:00 Sat UTC-4): Saturday lasts 25 hours.
  assert.deepEqual(iso(calc.bounds('day', 'America/Santiago', Date.parse('2026-04-04T12:00:00Z'))), ['2026-04-04T03:00:00.000Z', '2026-04-05T04:00:00.000Z']);
});

test('a Havana month across its DST start runs from midnight UTC-5 to midnight UTC-4', () => {
  assert.deepEqual(iso(calc.bounds('month', 'America/Havana', Date.parse('2026-03-20T12:00:00Z'))), ['2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z']);
});
