import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RetryableError } from '../pipeline';
import { BatchWriter } from './batch-writer';

// The insert function here is the writer's own contract (rows in, promise out), not a
// stand-in for ClickHouse; storage behaviour is tested against chDB in test/.

test('rows from several writes are stored in one batch once maxRows is reached', async () => {
  const batches: unknown[][][] = [];
  const w = new BatchWriter(async (rows) => void batches.push(rows), { maxRows: 4, maxDelayMs: 60_000, maxPendingRows: 100 });
  await Promise.all([w.write([[1], [2]]), w.write([[3], [4]])]);
  assert.deepEqual(batches, [[[1], [2], [3], [4]]]);
});

test('a partial batch is stored after maxDelayMs', async () => {
  const batches: unknown[][][] = [];
  const w = new BatchWriter(async (rows) => void batches.push(rows), { maxRows: 1000, maxDelayMs: 10, maxPendingRows: 100 });
  await w.write([[1]]);
  assert.deepEqual(batches, [[[1]]]);
});

test('write resolves only after the insert finished', async () => {
  let release!: () => void;
  let stored = false;
  const w = new BatchWriter(
    () => new Promise<void>((r) => (release = () => { stored = true; r(); })),
    { maxRows: 1, maxDelayMs: 0, maxPendingRows: 100 },
  );
  const done = w.write([[1]]);
  await new Promise((r) => setImmediate(r));
  assert.equal(stored, false);
  release();
  await done;
  assert.equal(stored, true);
});

test('a failed insert rejects every writer of that batch as retryable', async () => {
  const w = new BatchWriter(async () => { throw new Error('disk full'); }, { maxRows: 2, maxDelayMs: 0, maxPendingRows: 100 });
  const results = await Promise.allSettled([w.write([[1]]), w.write([[2]])]);
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    assert.ok((r as PromiseRejectedResult).reason instanceof RetryableError);
    assert.match((r as PromiseRejectedResult).reason.message, /storage write failed: disk full/);
  }
});

test('beyond maxPendingRows new writes are refused as retryable, and accepted again once drained', async () => {
  let release!: () => void;
  const w = new BatchWriter(() => new Promise<void>((r) => (release = r)), { maxRows: 2, maxDelayMs: 0, maxPendingRows: 3 });
  const first = w.write([[1], [2]]);
  await assert.rejects(w.write([[3], [4]]), (err: unknown) => err instanceof RetryableError && err.retryAfterMs > 0);
  release();
  await first;
  const again = w.write([[5]]);
  await new Promise((r) => setTimeout(r, 5));
  release();
  await again;
});

test('close flushes what is queued and refuses later writes', async () => {
  const batches: unknown[][][] = [];
  const w = new BatchWriter(async (rows) => void batches.push(rows), { maxRows: 100, maxDelayMs: 60_000, maxPendingRows: 100 });
  const pending = w.write([[1]]);
  await w.close();
  await pending;
  assert.deepEqual(batches, [[[1]]]);
  await assert.rejects(w.write([[2]]), RetryableError);
  await w.close();
});

test('up to maxInFlight batches are written at once; later rows wait for a free slot', async () => {
  const releases: (() => void)[] = [];
  const sizes: number[] = [];
  const w = new BatchWriter(
    (rows) => new Promise<void>((r) => { sizes.push(rows.length); releases.push(r); }),
    { maxRows: 1, maxDelayMs: 0, maxInFlight: 2, maxPendingRows: 100 },
  );
  const writes = [w.write([[1]]), w.write([[2]]), w.write([[3]]), w.write([[4]])];
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(sizes, [1, 1]);
  assert.equal(w.pendingRows, 4);
  releases[0]!();
  await writes[0];
  await new Promise((r) => setImmediate(r));
  // Rows 3 and 4 queued behind busy slots go out together as one batch.
  assert.deepEqual(sizes, [1, 1, 2]);
  releases[1]!();
  releases[2]!();
  await Promise.all(writes);
  assert.equal(w.pendingRows, 0);
});

test('a write that fails the batch is retried apart, so the other writes of the batch are stored', async () => {
  const stored: unknown[][] = [];
  const w = new BatchWriter(
    async (rows) => {
      if (rows.some((r) => r[0] === 'poison')) throw new Error('Cannot parse input');
      stored.push(...rows);
    },
    { maxRows: 3, maxDelayMs: 60_000, maxPendingRows: 100 },
  );
  const results = await Promise.allSettled([w.write([['a']]), w.write([['poison']]), w.write([['b']])]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.deepEqual(stored, [['a'], ['b']]);
});

test('an idle writer lingers idleLingerMs; one with a batch in flight waits up to maxDelayMs', async () => {
  const releases: (() => void)[] = [];
  const batches: unknown[][][] = [];
  const w = new BatchWriter(
    (rows) => new Promise<void>((r) => { batches.push(rows); releases.push(r); }),
    { maxRows: 1000, maxDelayMs: 60_000, idleLingerMs: 5, maxInFlight: 2, maxPendingRows: 100 },
  );
  const first = w.write([[1]]);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(batches, [[[1]]], 'written after the linger, long before maxDelayMs');
  const second = w.write([[2]]);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(batches.length, 1, 'a batch in flight: row 2 gathers more rows instead of lingering');
  releases[0]!();
  await first;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(batches[1], [[2]], 'group commit: written as soon as the slot freed');
  releases[1]!();
  await second;
});

test('a large batch is split at write boundaries across free slots; small ones never are', async () => {
  const batches: unknown[][][] = [];
  const w = new BatchWriter(async (rows) => void batches.push(rows), { maxRows: 6, maxDelayMs: 60_000, maxInFlight: 2, splitMinRows: 2, maxPendingRows: 100 });
  await Promise.all([w.write([[1], [2]]), w.write([[3], [4]]), w.write([[5], [6]])]);
  assert.deepEqual(batches, [[[1], [2], [3], [4]], [[5], [6]]]);
  const small: unknown[][][] = [];
  const v = new BatchWriter(async (rows) => void small.push(rows), { maxRows: 3, maxDelayMs: 60_000, maxInFlight: 2, splitMinRows: 2, maxPendingRows: 100 });
  await Promise.all([v.write([[1]]), v.write([[2]]), v.write([[3]])]);
  assert.deepEqual(small, [[[1], [2], [3]]], 'three rows are less than twice splitMinRows');
});

test('a failing part of a split batch retries only its own writes', async () => {
  const stored: unknown[][] = [];
  const calls: number[] = [];
  const w = new BatchWriter(
    async (rows) => {
      calls.push(rows.length);
      if (rows.some((r) => r[0] === 'poison')) throw new Error('Cannot parse input');
      stored.push(...rows);
    },
    { maxRows: 4, maxDelayMs: 60_000, maxInFlight: 2, splitMinRows: 2, maxPendingRows: 100 },
  );
  const results = await Promise.allSettled([w.write([['a']]), w.write([['b']]), w.write([['poison']]), w.write([['c']])]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  assert.deepEqual(stored.map((r) => r[0]).sort(), ['a', 'b', 'c']);
  assert.deepEqual(calls, [2, 2, 1, 1], 'two parts of two; the failing part retried write by write');
});
