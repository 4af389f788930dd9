import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PermanentError } from './errors';
import { decompressBody } from './decompress';

test('gzip bodies are inflated', async () => {
  const out = await decompressBody(gzipSync(Buffer.from('hello')), 'gzip', 1024);
  assert.equal(out.toString(), 'hello');
});

test('a gzip bomb is refused as too large, judged after decompression', async () => {
  const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
  assert.ok(bomb.length < 64 * 1024);
  await assert.rejects(decompressBody(bomb, 'gzip', 1024 * 1024), (err: unknown) => {
    assert.ok(err instanceof PermanentError);
    assert.equal(err.reason, 'payload_too_large');
    return true;
  });
});

test('corrupt gzip and unknown encodings are refused with their own reasons', async () => {
  await assert.rejects(decompressBody(Buffer.from('not gzip'), 'gzip', 1024), { reason: 'invalid_argument' });
  await assert.rejects(decompressBody(Buffer.from('x'), 'br', 1024), { reason: 'unsupported_media_type', message: /unsupported Content-Encoding 'br'/ });
});

test('an uncompressed body over the limit is refused', async () => {
  await assert.rejects(decompressBody(Buffer.alloc(2048), undefined, 1024), { reason: 'payload_too_large' });
});
