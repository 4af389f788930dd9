import assert from 'node:assert/strict';
import { test } from 'node:test';
import { divRound, formatNanoUsd, numberScaled, parseScaled } from './money';

test('decimals scale exactly, including exponents and float-born numbers', () => {
  assert.equal(parseScaled('2.5', 12), 2_500_000_000_000n);
  assert.equal(parseScaled('0.0375', 12), 37_500_000_000n);
  assert.equal(parseScaled('1e-7', 12), 100_000n);
  assert.equal(numberScaled(0.075, 12), 75_000_000_000n); // 0.075 is not exact in binary
  assert.equal(numberScaled(0.1 + 0.2, 17), 30_000_000_000_000_004n); // the float is what it is
  assert.throws(() => parseScaled('0.0000000000001', 12), /more than 12 decimal places/);
  assert.throws(() => parseScaled('abc', 9), /not a decimal number/);
});

test('rounding is half away from zero', () => {
  assert.equal(divRound(1125n, 10n), 113n);
  assert.equal(divRound(1124n, 10n), 112n);
  assert.equal(divRound(-1125n, 10n), -113n);
});

test('nano-USD display keeps all nine decimals', () => {
  assert.equal(formatNanoUsd(6_000_000n), '0.006000000');
  assert.equal(formatNanoUsd(1_234_500_000n), '1.234500000');
  assert.equal(formatNanoUsd(-5n), '-0.000000005');
});
