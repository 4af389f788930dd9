import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PermanentError, RetryableError, type LlmCall, type SpanRecord } from '../pipeline';
import { MAX_ISOLATION_INSERTS, isolateRefused } from './isolate-refused';

// Rows here are [index]; a group is refused when it holds a bad index.
const spansOf = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `s${i}` }) as unknown as SpanRecord);
const rowsOf = (n: number) => Array.from({ length: n }, (_, i) => [i]);
const first = new PermanentError('invalid_argument', 'refused: VIOLATED_CONSTRAINT');

test('the refused spans are found by halving and the rest is inserted once each', async () => {
  const spans = spansOf(10);
  const calls = [{ span: spans[3] }, { span: spans[7] }] as unknown as LlmCall[];
  const inserted: number[] = [];
  let insertedCalls = 0;
  const refused = await isolateRefused(spans, rowsOf(10), calls, [[3], [7]], async (spanRows, callRows) => {
    if (spanRows.some((r) => r[0] === 7)) throw new PermanentError('invalid_argument', 'row 7 breaks a rule');
    for (const r of spanRows) inserted.push(r[0] as number);
    insertedCalls += callRows.length;
  }, first);
  assert.deepEqual([...refused.spans], [spans[7]]);
  assert.equal(refused.message, 'row 7 breaks a rule');
  assert.deepEqual(inserted.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 8, 9]);
  assert.equal(insertedCalls, 1, "span 3's call is stored, span 7's is not");
});

test('every span refused, or too many inserts needed: the whole export is refused with the first error', async () => {
  await assert.rejects(isolateRefused(spansOf(4), rowsOf(4), [], [], async () => Promise.reject(new PermanentError('invalid_argument', 'no')), first), (e) => e === first);
  let inserts = 0;
  // Every other span bad in 200: finding them all would take more than the bound.
  const all = isolateRefused(spansOf(200), rowsOf(200), [], [], async (rows) => {
    inserts++;
    if (rows.some((r) => (r[0] as number) % 2 === 0)) throw new PermanentError('invalid_argument', 'bad');
  }, first);
  await assert.rejects(all, (e) => e === first);
  assert.equal(inserts, MAX_ISOLATION_INSERTS);
});

test('a passing refusal while halving rejects with it, so the sender retries the whole export', async () => {
  const again = new RetryableError('storage down', 1000);
  await assert.rejects(isolateRefused(spansOf(4), rowsOf(4), [], [], async () => Promise.reject(again), first), (e) => e === again);
});
