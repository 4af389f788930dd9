import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitPeriod } from './period-split';

test('splitPeriod: whole days for the rollup, the partial days before and after them for the calls', () => {
  assert.deepEqual(splitPeriod('2026-11-01 00:00:00.000', '2026-12-01 00:00:00.000'), { firstDay: '2026-11-01', endDay: '2026-12-01', parts: [] });
  assert.deepEqual(splitPeriod('2026-11-01 10:00:00.000', '2026-11-30 10:00:00.000'), {
    firstDay: '2026-11-02', endDay: '2026-11-30',
    parts: [{ from: '2026-11-01 10:00:00.000', to: '2026-11-02 00:00:00' }, { from: '2026-11-30 00:00:00', to: '2026-11-30 10:00:00.000' }],
  });
  // No whole day inside: one part.
  assert.deepEqual(splitPeriod('2026-11-01 10:00:00', '2026-11-02 05:00:00').parts, [{ from: '2026-11-01 10:00:00', to: '2026-11-02 05:00:00' }]);
  assert.deepEqual(splitPeriod('2026-11-01 00:00:00', '2026-11-01 05:00:00').parts, [{ from: '2026-11-01 00:00:00', to: '2026-11-01 05:00:00' }]);
  assert.deepEqual(splitPeriod('2026-11-01 10:00:00', '2026-11-02 00:00:00'), { firstDay: '2026-11-02', endDay: '2026-11-02', parts: [{ from: '2026-11-01 10:00:00', to: '2026-11-02 00:00:00' }] });
  assert.deepEqual(splitPeriod('2026-11-30 23:59:59.999', '2026-12-02').parts, [{ from: '2026-11-30 23:59:59.999', to: '2026-12-01 00:00:00' }]);
});
