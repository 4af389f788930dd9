import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallBatch, PricedBatch } from './call-batch';
import type { SpanRecord } from './span-record';
import { PermanentError } from './errors';
import { connect, type Stage } from './stage';
import { writeAll } from './write-calls';

const context = { sender: undefined, unknownCredential: false };
const spansOf = (n: number) => Array.from({ length: n }, (_, i) => ({ spanId: `s${i}` }) as unknown as SpanRecord);

// A first stage that keeps every other span as a "call", and one that tags each call.
const pick: Stage<readonly SpanRecord[], CallBatch<string>> = {
  name: 'pick',
  process: (spans) => ({ spans, calls: spans.filter((_, i) => i % 2 === 0).map((s) => s.spanId), unmapped: undefined, refused: [] }),
};
const tag: Stage<CallBatch<string>, CallBatch<string>> = {
  name: 'tag',
  process: (batch) => ({ ...batch, calls: batch.calls.map((c) => `${c}!`) }),
};

test('a stage hands its output to the next consumer, and the wrapper counts items in and out of each stage', async () => {
  const told: [string, number, number][] = [];
  const times: number[] = [];
  const telemetry = {
    processed: (stage: string, itemsIn: number, itemsOut: number, ms: number) => {
      told.push([stage, itemsIn, itemsOut]);
      times.push(ms);
    },
  };
  let seen: readonly string[] = [];
  const last = async (batch: CallBatch<string>) => {
    seen = batch.calls;
    return undefined;
  };
  const consume = connect(pick, connect(tag, last, telemetry), telemetry);
  assert.equal(await consume(spansOf(5), context), undefined);
  assert.deepEqual(seen, ['s0!', 's2!', 's4!']);
  assert.deepEqual(told, [['pick', 5, 3], ['tag', 3, 3]]);
  assert.ok(times.every((ms) => Number.isFinite(ms)), 'each stage is timed');
});

test('a stage that throws rejects the export with its error and the next consumer is not called', async () => {
  const bad: Stage<readonly SpanRecord[], CallBatch<string>> = {
    name: 'bad',
    process: () => {
      throw new PermanentError('invalid_argument', 'span s1: bad');
    },
  };
  let called = false;
  const consume = connect(bad, async () => {
    called = true;
    return undefined;
  });
  await assert.rejects(consume(spansOf(2), context), (e) => e instanceof PermanentError && e.message === 'span s1: bad');
  assert.equal(called, false);
});

test("the last consumer answers normalization's refusals and storage's together, each counted by reason", async () => {
  const spans = spansOf(4);
  const batch = { spans: spans.slice(1), calls: [], unmapped: undefined, refused: [{ span: spans[0]!, reason: 'span s0: too many tokens' }] } as PricedBatch;
  assert.deepEqual(await writeAll(async () => undefined)(batch, context), { rejectedSpans: 1, errorMessage: 'span s0: too many tokens', byReason: { token_count_out_of_range: 1 } });
  const byStorage = async () => ({ spans: new Set([spans[2]!, spans[3]!]), message: 'VIOLATED_CONSTRAINT' });
  assert.deepEqual(await writeAll(byStorage)(batch, context), {
    rejectedSpans: 3,
    errorMessage: 'span s0: too many tokens',
    byReason: { token_count_out_of_range: 1, storage_refused: 2 },
  });
  assert.deepEqual(await writeAll(byStorage)({ ...batch, refused: [] }, context), {
    rejectedSpans: 2,
    errorMessage: 'refused by storage for good: VIOLATED_CONSTRAINT',
    byReason: { storage_refused: 2 },
  });
  assert.equal(await writeAll(async () => undefined)({ ...batch, refused: [] }, context), undefined);
});
