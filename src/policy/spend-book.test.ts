import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SpendRow } from './policy-store';
import type { BudgetSpec } from './ports';
import { SpendBook } from './spend-book';

const MONTHLY: BudgetSpec = { amount: '100', currency: 'USD', period: 'month', warnAtPercent: 80, timeZone: 'UTC' };
const DAILY: BudgetSpec = { ...MONTHLY, period: 'day' };
const NOW = Date.UTC(2026, 5, 15, 12);
const JUNE = Date.UTC(2026, 5, 1);
const JULY = Date.UTC(2026, 6, 1);

/** A ledger read that answers `rows` and keeps what it was asked. */
function reader(rows: SpendRow[]) {
  const asked: { startMs: number; endMs: number; exclude: { writerId: string; fromEpoch: number } }[] = [];
  return {
    asked,
    read: (startMs: number, endMs: number, exclude: { writerId: string; fromEpoch: number }) => {
      asked.push({ startMs, endMs, exclude });
      return Promise.resolve(rows);
    },
  };
}

test('a period is the budget period holding the time, kept per scope, starting at zero', () => {
  const book = new SpendBook('r');
  const p = book.periodOf('tenant|acme', MONTHLY, NOW);
  assert.equal(p.startMs, JUNE);
  assert.equal(p.endMs, JULY);
  assert.equal(p.key, `tenant|acme|${JUNE}`);
  assert.equal(p.spentNano, 0n);
  assert.equal(book.periodOf('tenant|acme', MONTHLY, NOW + 1000), p);
  assert.notEqual(book.periodOf('tenant|acme', MONTHLY, JULY), p, 'the next month');
  assert.equal(book.periodOf('tenant|acme', MONTHLY, NOW), p, 'the same object when asked again');
});

test('counts stored calls to the nano-USD, only those that started in the current period', () => {
  const book = new SpendBook('r');
  const stamp = book.epochs.stamp;
  assert.equal(book.count('tenant|acme', MONTHLY, NOW - 1, 1_234_567_891n, stamp, NOW)?.spentNano, 1_234_567_891n);
  assert.equal(book.count('tenant|acme', MONTHLY, JUNE, 9n, stamp, NOW)?.spentNano, 1_234_567_900n);
  assert.equal(book.count('tenant|acme', MONTHLY, JUNE - 1, 5n, stamp, NOW), undefined, 'May');
  assert.equal(book.count('tenant|acme', MONTHLY, JULY, 5n, stamp, NOW), undefined, 'July');
  assert.equal(book.periodOf('tenant|acme', MONTHLY, NOW).spentNano, 1_234_567_900n);
  assert.equal(book.periodOf('team|acme', MONTHLY, NOW).spentNano, 0n, 'each scope its own');
});

test('a reload replaces memory by the ledger, summing rows per tenant and per team', async () => {
  const book = new SpendBook('r');
  book.count('tenant|a', MONTHLY, NOW, 500n, book.epochs.stamp, NOW);
  const { read, asked } = reader([
    { tenant: 'a', team: 'red', nano: '1000000001' },
    { tenant: 'b', team: 'red', nano: '2' },
    { tenant: 'a', team: 'blue', nano: '40' },
  ]);
  await book.reload([['tenant|a', MONTHLY], ['tenant|b', MONTHLY], ['team|red', MONTHLY], ['team|blue', MONTHLY], ['team|none', MONTHLY]], NOW, read);
  assert.equal(book.periodOf('tenant|a', MONTHLY, NOW).spentNano, 1_000_000_041n, 'the ledger has the call counted before: not twice');
  assert.equal(book.periodOf('tenant|b', MONTHLY, NOW).spentNano, 2n);
  assert.equal(book.periodOf('team|red', MONTHLY, NOW).spentNano, 1_000_000_003n);
  assert.equal(book.periodOf('team|blue', MONTHLY, NOW).spentNano, 40n);
  assert.equal(book.periodOf('team|none', MONTHLY, NOW).spentNano, 0n);
  assert.deepEqual(asked, [{ startMs: JUNE, endMs: JULY, exclude: { writerId: book.epochs.writerId, fromEpoch: 2 } }], 'one read per distinct period, without this writer from the new epoch');
});

test('reads once per distinct period', async () => {
  const book = new SpendBook('r');
  const { read, asked } = reader([]);
  await book.reload([['tenant|a', MONTHLY], ['tenant|b', DAILY], ['team|x', MONTHLY]], NOW, read);
  assert.deepEqual(asked.map((a) => [a.startMs, a.endMs]), [[JUNE, JULY], [Date.UTC(2026, 5, 15), Date.UTC(2026, 5, 16)]]);
});

test('calls of the new epoch stay counted on top of the read; calls of the old one are replaced by it', async () => {
  const book = new SpendBook('r');
  const old = book.epochs.stamp;
  book.epochs.began(); // a write of epoch 1 in flight when the refresh starts
  let release: (rows: SpendRow[]) => void = () => {};
  const reload = book.reload([['tenant|a', MONTHLY]], NOW, () => new Promise((r) => (release = r)));
  // The refresh opened epoch 2 and waits for the write of epoch 1.
  const fresh = book.epochs.stamp;
  assert.equal(fresh.epoch, 2);
  book.count('tenant|a', MONTHLY, NOW, 7n, fresh, NOW);
  book.count('tenant|a', MONTHLY, NOW, 100n, old, NOW); // the epoch-1 write is stored
  book.epochs.ended(1);
  await new Promise((r) => setImmediate(r));
  assert.equal(book.periodOf('tenant|a', MONTHLY, NOW).spentNano, 107n, 'both counted while the read runs');
  // The ledger read has the epoch-1 call (100) and leaves out epoch 2's (7).
  release([{ tenant: 'a', team: 't', nano: '1100' }]);
  await reload;
  assert.equal(book.periodOf('tenant|a', MONTHLY, NOW).spentNano, 1107n);
});

test('the read waits for the older epoch writes to end', async () => {
  const book = new SpendBook('r');
  book.epochs.began();
  let reads = 0;
  const reload = book.reload([['tenant|a', MONTHLY]], NOW, () => {
    reads++;
    return Promise.resolve([]);
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(reads, 0);
  book.epochs.ended(1);
  await reload;
  assert.equal(reads, 1);
});

test('prune forgets periods that ended more than a day ago', () => {
  const book = new SpendBook('r');
  const may = book.periodOf('tenant|a', MONTHLY, JUNE - 1);
  book.count('tenant|a', MONTHLY, JUNE - 1, 5n, book.epochs.stamp, JUNE - 1);
  book.prune(JUNE + 86_400_000);
  book.periodOf('tenant|a', MONTHLY, NOW);
  assert.equal(book.periodOf('tenant|a', MONTHLY, JUNE - 1), may, 'a day after its end: kept');
  book.prune(JUNE + 86_400_001);
  book.periodOf('tenant|a', MONTHLY, NOW);
  const again = book.periodOf('tenant|a', MONTHLY, JUNE - 1);
  assert.notEqual(again, may);
  assert.equal(again.spentNano, 0n);
});
