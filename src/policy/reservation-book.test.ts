import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReservationBook } from './reservation-book';

const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const owner = { tenant: 'acme' };

test('ids are version 8 UUIDs, distinct within a book and between books, and lead back to their reservation', () => {
  const a = new ReservationBook<typeof owner>();
  const b = new ReservationBook<typeof owner>();
  const ids = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const seq = a.open(owner, 1n, 1, 0, '', '');
    ids.add(a.idOf(seq));
    assert.equal(a.find(a.idOf(seq)), seq);
  }
  const other = b.idOf(b.open(owner, 1n, 1, 0, '', ''));
  ids.add(other);
  assert.equal(ids.size, 1001);
  for (const id of ids) assert.match(id, UUID_V8);
  assert.equal(a.find(other), -1, 'an id of another book');
  assert.equal(a.find('not an id'), -1);
});

test('keeps each field exactly, finds by request id, and forgets a closed one everywhere', () => {
  const book = new ReservationBook<typeof owner>();
  const big = 9_000_000_000_000_000_000n; // near the top of int64 nano-USD
  const r1 = book.open(owner, big, 1_795_000_000_123.5, 1, 'acme', 'req-1', 'gw-1');
  const r2 = book.open({ tenant: 'other' }, 42n, 20, 0, 'other', '');
  assert.equal(book.amountOf(r1), big);
  assert.equal(book.expiresAtOf(r1), 1_795_000_000_123.5);
  assert.equal(book.outcomeOf(r1), 1);
  assert.equal(book.ownerOf(r1), owner);
  assert.equal(book.requestOf(r1), 'req-1');
  assert.equal(book.requestOf(r2), '');
  assert.equal(book.findByRequest('acme', 'req-1'), r1);
  assert.equal(book.findByRequest('other', 'req-1'), -1, 'request ids are per scope');
  assert.equal(book.gatewayOf(r1), 'gw-1');
  assert.equal(book.gatewayOf(r2), '');
  assert.equal(book.size, 2);
  assert.equal(book.close(r1), true);
  assert.equal(book.close(r1), false, 'a second close finds nothing');
  assert.equal(book.find(book.idOf(r1)), -1);
  assert.equal(book.findByRequest('acme', 'req-1'), -1);
  assert.equal(book.size, 1);
  assert.equal(book.oldest(), r2);
});

test('oldest and expired follow the opening order across closes, growth and compaction', () => {
  const book = new ReservationBook<typeof owner>();
  const seqs: number[] = [];
  for (let i = 0; i < 20_000; i++) seqs.push(book.open(owner, BigInt(i), i, 0, `s${i % 2}`, `r${i}`, `gw-${i}`));
  // Close most of the front (this compacts the arrays) and one in the middle.
  for (let i = 0; i < 15_000; i++) assert.ok(book.close(seqs[i]!));
  book.close(seqs[15_001]!);
  assert.equal(book.oldest(), seqs[15_000]);
  assert.equal(book.amountOf(seqs[19_999]!), 19_999n, 'fields survive compaction');
  assert.equal(book.findByRequest('s1', 'r19999'), seqs[19_999]);
  assert.equal(book.gatewayOf(seqs[19_999]!), 'gw-19999', 'gateways survive compaction');
  assert.equal(book.find(book.idOf(seqs[10]!)), -1, 'closed before the compaction point');
  assert.deepEqual(book.expired(15_003), [seqs[15_000], seqs[15_002], seqs[15_003]]);
  assert.equal(book.size, 4_999);
  // Grows again after compaction, and keeps counting sequence numbers up.
  for (let i = 0; i < 30_000; i++) book.open(owner, 1n, 30_000 + i, 0, '', '');
  assert.equal(book.size, 34_999);
  assert.equal(book.oldest(), seqs[15_000]);
  assert.equal(book.amountOf(seqs[17_000]!), 17_000n);
});

test('refuses an amount int64 cannot hold instead of wrapping it', () => {
  const book = new ReservationBook<typeof owner>();
  assert.throws(() => book.open(owner, 2n ** 63n, 1, 0, '', ''), RangeError);
  assert.throws(() => book.open(owner, -1n, 1, 0, '', ''), RangeError);
  assert.equal(book.size, 0);
});

test('an empty book has no oldest and nothing expired', () => {
  const book = new ReservationBook<typeof owner>();
  assert.equal(book.oldest(), -1);
  assert.deepEqual(book.expired(Number.MAX_SAFE_INTEGER), []);
  const seq = book.open(owner, 5n, 10, 0, 'acme', 'x');
  book.close(seq);
  assert.equal(book.oldest(), -1);
  assert.equal(book.size, 0);
});
