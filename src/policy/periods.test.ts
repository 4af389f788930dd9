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
