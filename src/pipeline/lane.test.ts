import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLane } from './lane';

const busy = (why: string) => new Error(`busy: ${why}`);
const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
};

test('at most `slots` run; waiters get the freed slot in arrival order; past the queue, busy', async () => {
  const lane = createLane({ slots: 2, maxQueued: 2, queueTimeoutMs: 60_000, busy });
  const g = gate();
  const order: string[] = [];
  const held = [lane.run(async (slot) => { order.push(`a${slot}`); await g.opened; }), lane.run(async (slot) => { order.push(`b${slot}`); await g.opened; })];
  const waiting = [lane.run(async () => { order.push('c'); }), lane.run(async () => { order.push('d'); })];
  assert.deepEqual(lane.stats(), { running: 2, queued: 2 });
  await assert.rejects(lane.run(async () => undefined), /busy: the queue is full/);
  assert.deepEqual(order, ['a0', 'b1']);
  g.open();
  await Promise.all([...held, ...waiting]);
  assert.deepEqual(order, ['a0', 'b1', 'c', 'd']);
  assert.deepEqual(lane.stats(), { running: 0, queued: 0 });
});

test('a waiter gives up after the queue timeout, or when its signal aborts, and the slot is not lost', async () => {
  const lane = createLane({ slots: 1, maxQueued: 5, queueTimeoutMs: 50, busy });
  const g = gate();
  const held = lane.run(() => g.opened);
  await assert.rejects(lane.run(async () => undefined), /busy: no slot became free in 50 ms/);
  const controller = new AbortController();
  const aborted = lane.run(async () => 'ran', controller.signal);
  controller.abort(new Error('client gone'));
  await assert.rejects(aborted, /client gone/);
  assert.equal(lane.stats().queued, 0);
  const already = new AbortController();
  already.abort(new Error('gone before'));
  await assert.rejects(lane.run(async () => 'ran', already.signal), /gone before/);
  g.open();
  await held;
  assert.equal(await lane.run(async () => 'ran'), 'ran', 'the slot came back');
  await assert.rejects(lane.run(async () => { throw new Error('work failed'); }), /work failed/);
  assert.deepEqual(lane.stats(), { running: 0, queued: 0 }, 'a failing run gives its slot back');
});
