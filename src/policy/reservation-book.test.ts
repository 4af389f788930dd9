import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BookEntry, ReservationBook } from './reservation-book';

const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function open(book: ReservationBook<BookEntry>, requestId: string, expiresAtMs: number): BookEntry {
  const r = { id: book.nextId(), requestId, expiresAtMs, seq: 0 };
  book.add(r);
  return r;
}

test('ids are version 8 UUIDs, distinct within a book and between books', () => {
  const a = new ReservationBook<BookEntry>();
  const b = new ReservationBook<BookEntry>();
  const ids = new Set<string>();
  for (let i = 0; i < 1000; i++) ids.add(open(a, '', 1).id);
  ids.add(open(b, '', 1).id);
  assert.equal(ids.size, 1001);
  for (const id of ids) assert.match(id, UUID_V8);
});

test('finds by id and by request id; a deleted one is gone from both', () => {
  const book = new ReservationBook<BookEntry>();
  const r1 = open(book, 'req-1', 10);
  const r2 = open(book, 'req-2', 20);
  assert.equal(book.get(r2.id), r2);
  assert.equal(book.byRequest('req-1'), r1);
  assert.equal(book.size, 2);
  assert.equal(book.delete(r1), true);
  assert.equal(book.delete(r1), false, 'a second delete finds nothing');
  assert.equal(book.get(r1.id), undefined);
  assert.equal(book.byRequest('req-1'), undefined);
  assert.equal(book.size, 1);
  assert.equal(book.get('00000000-0000-8000-8000-000000000000'), undefined, 'an id from another book');
  assert.equal(book.get('not an id'), undefined);
});

test('oldest and expired follow the opening order across deletions and compaction', () => {
  const book = new ReservationBook<BookEntry>();
  const all: BookEntry[] = [];
  for (let i = 0; i < 20_000; i++) all.push(open(book, `r${i}`, i));
  // Delete most of the front (this compacts the queue) and some in the middle.
  for (let i = 0; i < 15_000; i++) book.delete(all[i]!);
  book.delete(all[15_001]!);
  assert.equal(book.oldest(), all[15_000]);
  assert.equal(book.get(all[19_999]!.id), all[19_999], 'found after compaction');
  assert.equal(book.get(all[10]!.id), undefined, 'a deleted one before the compaction point');
  const expired = book.expired(15_003);
  assert.deepEqual(expired.map((r) => r.seq), [15_000, 15_002, 15_003]);
  assert.equal(book.size, 4_999);
});

test('restored entries live apart: found by id, expired by their own time, never the oldest', () => {
  const book = new ReservationBook<BookEntry>();
  const restored = { id: 'restored:acme', requestId: '', expiresAtMs: 5, seq: 0 };
  book.addRestored(restored);
  const r = open(book, 'req', 100);
  assert.equal(book.get('restored:acme'), restored);
  assert.equal(book.oldest(), r);
  assert.deepEqual(book.expired(10), [restored]);
  assert.equal(book.size, 2);
  assert.equal(book.delete(restored), true);
  assert.equal(book.size, 1);
});
