import assert from 'node:assert/strict';
import { test } from 'node:test';
import { budgetVerdict, cappedReserveNano, MAX_RESERVATION_NANO, unpricedReserveNano } from './budget-verdict';
import type { BudgetState } from './types';

const USD = 1_000_000_000n;
const budget = (spentNano: bigint, reservedNano = 0n, limitNano = 100n * USD): BudgetState => ({
  scope: 'tenant', subject: 'acme', limitNano, spentNano, reservedNano, currency: 'USD', period: 'month',
  periodStartMs: 0, periodEndMs: 1, warnAtPercent: 80, warnAtNano: (limitNano * 80n) / 100n,
});

test('a call that fits exactly is allowed; one nano-USD more is denied', () => {
  assert.deepEqual(budgetVerdict([budget(60n * USD, 30n * USD)], 10n * USD), { deniedBy: -1, warnedBy: 0 });
  assert.deepEqual(budgetVerdict([budget(60n * USD, 30n * USD)], 10n * USD + 1n), { deniedBy: 0, warnedBy: -1 });
});

test('a budget already used up denies even a call that costs nothing', () => {
  assert.deepEqual(budgetVerdict([budget(100n * USD)], 0n), { deniedBy: 0, warnedBy: -1 });
  assert.deepEqual(budgetVerdict([budget(99n * USD, USD)], 0n), { deniedBy: 0, warnedBy: -1 });
});

test('the warning starts where used plus the call reaches the threshold', () => {
  assert.deepEqual(budgetVerdict([budget(79n * USD)], USD - 1n), { deniedBy: -1, warnedBy: -1 });
  assert.deepEqual(budgetVerdict([budget(79n * USD)], USD), { deniedBy: -1, warnedBy: 0 });
});

test('the first budget decides: a warning on one, a denial on the next', () => {
  const team = budget(5n * USD, 0n, 10n * USD);
  assert.deepEqual(budgetVerdict([budget(85n * USD), team], 2n * USD), { deniedBy: -1, warnedBy: 0 });
  assert.deepEqual(budgetVerdict([budget(85n * USD), team], 6n * USD), { deniedBy: 1, warnedBy: 0 });
  assert.deepEqual(budgetVerdict([budget(0n), team], 3n * USD), { deniedBy: -1, warnedBy: 1 });
  assert.deepEqual(budgetVerdict([], 1n), { deniedBy: -1, warnedBy: -1 });
});

test('an unpriced call holds its tokens at the fallback rate, rounded up to the nano-USD', () => {
  assert.equal(unpricedReserveNano(1000, 75n * USD), 75_000_000n);
  assert.equal(unpricedReserveNano(1, 75n * USD), 75_000n);
  assert.equal(unpricedReserveNano(1, 1n), 1n, 'a millionth of a nano-USD rounds up');
  assert.equal(unpricedReserveNano(0, 75n * USD), 0n);
});

test('a reservation holds at most 2^63-1 nano-USD', () => {
  assert.equal(cappedReserveNano(2n ** 70n), MAX_RESERVATION_NANO);
  assert.equal(cappedReserveNano(MAX_RESERVATION_NANO), 9_223_372_036_854_775_807n);
  assert.equal(cappedReserveNano(5n), 5n);
});
