import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitByDay } from './partition-split';
import { nanosToDateTime64 } from './row-encoding';

const DAY_S = 86_400;
const row = (seconds: number, tag: string) => [nanosToDateTime64(`${seconds}000000123`), tag];

test('rows of a few days stay one insert, in their order', () => {
  const rows = [row(1_700_000_000, 'a'), row(1_700_000_000 + DAY_S, 'b'), row(1_700_000_001, 'c')];
  const parts = splitByDay(rows, 2);
  assert.equal(parts.length, 1);
  assert.equal(parts[0], rows);
});

test('rows over more days than an insert may hold are split by whole days, every row kept once', () => {
  const rows = Array.from({ length: 101 }, (_, i) => row(1_700_000_000 + i * DAY_S, `d${i}`));
  rows.push(row(1_700_000_005, 'same-day-as-d0'));
  const parts = splitByDay(rows, 40);
  assert.deepEqual(parts.map((p) => p.length), [41, 40, 21]);
  assert.ok(parts[0]!.some((r) => r[1] === 'same-day-as-d0'), 'a day is never split across inserts');
  assert.equal(new Set(parts.flat().map((r) => r[1])).size, 102);
});

test('times written as dates (before 2001) are grouped by their UTC day too', () => {
  const early = [row(86_400 * 3 + 5, 'a'), row(86_400 * 3 + 7, 'b'), row(86_400 * 9, 'c')];
  assert.deepEqual(splitByDay(early, 1).map((p) => p.map((r) => r[1])), [['a', 'b'], ['c']]);
});
