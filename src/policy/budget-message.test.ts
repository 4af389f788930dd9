import assert from 'node:assert/strict';
import { test } from 'node:test';
import { budgetMessage, decimalUsd, usd } from './budget-message';

test('dollars keep two places at least and trim the other zeros', () => {
  assert.equal(decimalUsd(0n), '0.00');
  assert.equal(decimalUsd(10_000_000_000n), '10.00');
  assert.equal(decimalUsd(1_000_000n), '0.001');
  assert.equal(decimalUsd(1n), '0.000000001');
  assert.equal(decimalUsd(123_456_789_012n), '123.456789012');
  assert.equal(usd(100_000_000n), '$0.10');
});

test('a budget message states the figures, what remains (never below zero) and the period', () => {
  const b = {
    scope: 'team' as const, subject: 'red', limitNano: 10_000_000_000n, spentNano: 9_000_000_000n, reservedNano: 2_000_000_000n, currency: 'USD',
    period: 'week' as const, periodStartMs: Date.UTC(2026, 5, 15), periodEndMs: Date.UTC(2026, 5, 22), warnAtPercent: 80, warnAtNano: 8_000_000_000n,
  };
  assert.equal(
    budgetMessage(b, 'budget_exceeded', 1_500_000n),
    'Budget exceeded for team red: weekly budget $10.00 USD, spent $9.00, reserved $2.00, remaining $0.00, this call up to $0.0015; period 2026-06-15T00:00:00.000Z to 2026-06-22T00:00:00.000Z, resets 2026-06-22T00:00:00.000Z',
  );
  assert.match(budgetMessage({ ...b, period: 'day' }, 'budget_exhausted'), /^Budget exhausted for team red: daily budget \$10\.00 USD, spent \$9\.00, reserved \$2\.00, remaining \$0\.00; period /);
});
