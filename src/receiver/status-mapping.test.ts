import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { PermanentError, RetryableError } from '../pipeline';
import { toWireStatus } from './status-mapping';

test('permanent errors map to 4xx and their gRPC code, without retry advice', () => {
  const ws = toWireStatus(new PermanentError('payload_too_large', 'too big'));
  assert.deepEqual(ws, { httpStatus: 413, grpcCode: status.RESOURCE_EXHAUSTED, message: 'too big', permanent: true });
  assert.equal(toWireStatus(new PermanentError('invalid_argument', 'x')).grpcCode, status.INVALID_ARGUMENT);
  assert.equal(toWireStatus(new PermanentError('unsupported_media_type', 'x')).httpStatus, 415);
});

test('retryable and unexpected errors map to 503 / UNAVAILABLE with a delay', () => {
  const ws = toWireStatus(new RetryableError('storage down', 2500));
  assert.equal(ws.httpStatus, 503);
  assert.equal(ws.grpcCode, status.UNAVAILABLE);
  assert.equal(ws.retryAfterMs, 2500);
  assert.equal(toWireStatus(new Error('boom')).httpStatus, 503);
});
