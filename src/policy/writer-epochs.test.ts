import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WriterEpochs } from './writer-epochs';

test('stamps name this replica with a nonce per process and share one object per epoch', () => {
  const a = new WriterEpochs('replica-a');
  const b = new WriterEpochs('replica-a');
  assert.match(a.writerId, /^replica-a\/[0-9a-f]{8}$/);
  assert.notEqual(a.writerId, b.writerId, 'a restart is another writer');
  assert.equal(a.stamp, a.stamp);
  assert.deepEqual(a.stamp, { writerId: a.writerId, epoch: 1 });
  assert.equal(a.advance(), 2);
  assert.deepEqual(a.stamp, { writerId: a.writerId, epoch: 2 });
});

test('a call is earlier only when stamped before the current epoch', () => {
  const e = new WriterEpochs('r');
  const first = e.stamp;
  assert.equal(e.isEarlier(first), false);
  assert.equal(e.isEarlier(undefined), false, 'an unstamped call');
  e.advance();
  assert.equal(e.isEarlier(first), true);
  assert.equal(e.isEarlier(e.stamp), false);
});

test('drained waits for every write of an older epoch and for none of the new one', async () => {
  const e = new WriterEpochs('r');
  e.began();
  e.began();
  const boundary = e.advance();
  e.began(); // a write of the new epoch, still in flight at the end
  let done = false;
  const drained = e.drained(boundary).then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false, 'two writes of epoch 1 in flight');
  e.ended(1);
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false, 'one write of epoch 1 still in flight');
  e.ended(1);
  await drained;
  assert.equal(done, true);
});

test('drained resolves at once when nothing older is in flight', async () => {
  const e = new WriterEpochs('r');
  e.began();
  e.ended(1);
  await e.drained(e.advance());
  e.began();
  const boundary = e.advance();
  e.ended(2);
  await e.drained(boundary);
});
