import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nanosToDateTime64 } from './row-encoding';

test('DateTime64 text is exact, and unambiguous before 2001 where ClickHouse would read eight digits as a date', () => {
  assert.equal(nanosToDateTime64('1795372165635000001'), '1795372165.635000001');
  assert.equal(nanosToDateTime64('65989908724729536'), '1972-02-03 18:31:48.724729536');
  assert.equal(nanosToDateTime64('5'), '1970-01-01 00:00:00.000000005');
  assert.equal(nanosToDateTime64('0'), '1970-01-01 00:00:00.000000000');
});
