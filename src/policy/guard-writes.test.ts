import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RetryableError, type LlmCall, type PricedBatch, type PricedCall, type SpanRecord } from '../pipeline';
import { guardWrites } from './guard-writes';

// The engine's two halves of the protocol, recorded in order with the write between them.
function recorder() {
  const steps: string[] = [];
  const engine = {
    annotate: (calls: readonly LlmCall[]) => void steps.push(`annotate ${calls.map((c) => c.requestId).join(',')}`),
    observe: (calls: readonly LlmCall[], stored = true) => void steps.push(`observe ${calls.map((c) => c.requestId).join(',')} stored=${stored}`),
  };
  return { steps, engine };
}

function batchOf(ids: string[]): PricedBatch {
  const calls = ids.map((requestId) => ({ requestId, span: { spanId: requestId } as unknown as SpanRecord }) as unknown as PricedCall);
  return { spans: calls.map((c) => c.span), calls, unmapped: undefined, refused: [] };
}

test('the calls are annotated before the write and observed once after it, as stored', async () => {
  const { steps, engine } = recorder();
  const write = guardWrites(engine, async () => {
    steps.push('write');
    return undefined;
  });
  assert.equal(await write(batchOf(['a', 'b'])), undefined);
  assert.deepEqual(steps, ['annotate a,b', 'write', 'observe a,b stored=true']);
});

test('calls of spans storage refused for good are not counted; the rest are', async () => {
  const { steps, engine } = recorder();
  const batch = batchOf(['a', 'b', 'c']);
  const refused = { spans: new Set([batch.spans[1]!]), message: 'no' };
  assert.equal(await guardWrites(engine, async () => refused)(batch), refused);
  assert.deepEqual(steps, ['annotate a,b,c', 'observe a,c stored=true']);
  // Every call's span refused: nothing is counted, but the calls are still observed.
  const all = { spans: new Set(batch.spans), message: 'no' };
  await guardWrites(engine, async () => all)(batch);
  assert.deepEqual(steps.slice(2), ['annotate a,b,c', 'observe a,b,c stored=false']);
});

test('a failed write is still observed, as not stored, and its error goes to the caller', async () => {
  const { steps, engine } = recorder();
  const down = new RetryableError('storage down', 1000);
  await assert.rejects(guardWrites(engine, async () => Promise.reject(down))(batchOf(['a'])), (e) => e === down);
  assert.deepEqual(steps, ['annotate a', 'observe a stored=false']);
});

test('an export without calls is written without the policy', async () => {
  const { steps, engine } = recorder();
  let wrote = false;
  await guardWrites(engine, async () => {
    wrote = true;
    return undefined;
  })(batchOf([]));
  assert.equal(wrote, true);
  assert.deepEqual(steps, []);
});
