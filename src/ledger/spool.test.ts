import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { RetryableError } from '../pipeline';
import { openSpool, type SpoolRecord } from './spool';

const rec = (n: number): SpoolRecord => ({ spans: [[`span-${n}`]], calls: [[`call-${n}`]] });

test('appends survive a reopen and are replayed in order; a torn last line is skipped', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'spool-'));
  const first = openSpool(dir, 1024 * 1024);
  await Promise.all([first.append(rec(1)), first.append(rec(2))]);
  await first.append(rec(3));
  await first.close();
  // A crash while writing a fourth record leaves half a line.
  const [segment] = readdirSync(dir);
  appendFileSync(path.join(dir, segment!), '{"spans":[["span-4"]],"ca');
  const second = openSpool(dir, 1024 * 1024);
  assert.ok(second.bytes > 0);
  const seen: SpoolRecord[] = [];
  assert.equal(await second.drain(async (recs) => void seen.push(...recs)), 3);
  assert.deepEqual(seen, [rec(1), rec(2), rec(3)]);
  assert.equal(second.bytes, 0);
  assert.deepEqual(readdirSync(dir), []);
});

test('a failed replay keeps the segment for the next try', async () => {
  const spool = openSpool(mkdtempSync(path.join(tmpdir(), 'spool-')), 1024 * 1024);
  await spool.append(rec(1));
  await assert.rejects(spool.drain(async () => { throw new Error('storage down'); }), /storage down/);
  const seen: SpoolRecord[] = [];
  assert.equal(await spool.drain(async (recs) => void seen.push(...recs)), 1);
  assert.deepEqual(seen, [rec(1)]);
});

test('past its cap the spool refuses as retryable', async () => {
  const spool = openSpool(mkdtempSync(path.join(tmpdir(), 'spool-')), 100);
  await spool.append(rec(1));
  await assert.rejects(spool.append({ spans: [['x'.repeat(200)]], calls: [] }), (err: unknown) => err instanceof RetryableError && /spool is full/.test(err.message));
});
