import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { PermanentError, RetryableError } from '../pipeline';
import { openStorage, type StorageClients } from './storage-client';
import { classifyStorageError } from './storage-errors';
import { ledgerConfigSchema } from './config';

let storage: StorageClients;
let ch: ClickHouseClient;
before(async () => {
  storage = await openStorage(ledgerConfigSchema.parse({ dataDir: mkdtempSync(path.join(tmpdir(), 'storage-errors-')), database: 'errs' }));
  ch = storage.client;
  await ch.command({ query: "CREATE TABLE errs.t (ts DateTime('UTC'), s String) ENGINE = MergeTree PARTITION BY toYYYYMMDD(ts) ORDER BY ts" });
});
after(() => storage.close());

const refusal = (p: Promise<unknown>) => p.then(() => assert.fail('the engine took it'), (err: unknown) => classifyStorageError(err));

test('an insert touching more partitions than one block may is permanent (its shape), with the engine error named', async () => {
  const err = await refusal(ch.insert({ table: 'errs.t', format: 'JSONCompactEachRow', values: Array.from({ length: 101 }, (_, i) => [1_700_000_000 + i * 86_400, 'x']) }));
  assert.ok(err instanceof PermanentError);
  assert.match(err.message, /^storage refused the data \(TOO_MANY_PARTS, code 252\): Too many partitions for single INSERT block/);
});

test('a value the column cannot hold is permanent', async () => {
  const err = await refusal(ch.insert({ table: 'errs.t', format: 'JSONCompactEachRow', values: [['not a time', 'x']] }));
  assert.ok(err instanceof PermanentError);
  assert.match(err.message, /CANNOT_PARSE_DATETIME, code 41/);
});

test('a missing table (storage under maintenance) is retryable', async () => {
  const err = await refusal(ch.insert({ table: 'errs.away', format: 'JSONCompactEachRow', values: [[1_700_000_000, 'x']] }));
  assert.ok(err instanceof RetryableError);
  assert.match(err.message, /UNKNOWN_TABLE|does not exist/);
});

test('a server that does not answer is retryable', async () => {
  const down = createClient({ url: 'http://127.0.0.1:1', log: { level: ClickHouseLogLevel.OFF } });
  try {
    const err = await refusal(down.insert({ table: 'x.y', format: 'JSONCompactEachRow', values: [[1]] }));
    assert.ok(err instanceof RetryableError);
  } finally {
    await down.close();
  }
});

test('errors already classified pass through unchanged', () => {
  const p = new PermanentError('invalid_argument', 'bad');
  const r = new RetryableError('later', 3000);
  assert.equal(classifyStorageError(p), p);
  assert.equal(classifyStorageError(r), r);
});
