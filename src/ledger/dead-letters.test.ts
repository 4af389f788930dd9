import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { openDeadLetters } from './dead-letters';

const rec = (tag: string) => ({ spans: [[tag, 1], [tag, 2]], calls: [[tag, 3]] });

test('dead letters survive a restart, are kept once per record, and leave when removed', async () => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'dead-letters-')), 'dl');
  const first = openDeadLetters(dir);
  const a = await first.add(rec('a'), 'VIOLATED_CONSTRAINT');
  const again = await first.add(rec('a'), 'VIOLATED_CONSTRAINT');
  assert.equal(a.added, true);
  assert.equal(again.added, false, 'the same record replayed twice is kept once');
  assert.equal(again.entry.id, a.entry.id);
  await first.add(rec('b'), 'TYPE_MISMATCH');
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no half-written file is left');

  const second = openDeadLetters(dir);
  assert.equal(second.count, 2);
  const listed = second.list().find((e) => e.id === a.entry.id)!;
  assert.deepEqual({ reason: listed.reason, spans: listed.spans, calls: listed.calls }, { reason: 'VIOLATED_CONSTRAINT', spans: 2, calls: 1 });
  assert.deepEqual(second.read(a.entry.id), rec('a'));
  await second.refused(a.entry.id, 'still refused');
  assert.equal(openDeadLetters(dir).list().find((e) => e.id === a.entry.id)!.reason, 'still refused');
  await second.remove(a.entry.id);
  assert.equal(second.read(a.entry.id), undefined);
  assert.equal(openDeadLetters(dir).count, 1);
});
