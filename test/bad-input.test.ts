import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { decodeResponse, decodeStatus, encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { startTestService, type TestService } from './helpers/test-service';

const MAX_BODY = 256 * 1024;

function goodRequest(): { body: Buffer; traceId: string } {
  const traceId = newTraceId();
  const body = encodeRequest([
    { traceId, spanId: newSpanId(), name: 'chat gpt-4o-mini', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5 } },
  ]);
  return { body, traceId };
}

describe('bad input gets a precise refusal and loses nothing else', () => {
  let svc: TestService;
  let url: string;
  let grpcClient: grpc.Client;
  before(async () => {
    svc = await startTestService({ receiver: { maxBodyBytes: MAX_BODY } });
    url = `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
    grpcClient = new grpc.Client(`127.0.0.1:${svc.service.ports.otlpGrpc}`, grpc.credentials.createInsecure());
  });
  after(async () => {
    grpcClient.close();
    await svc.stop();
  });

  const post = (body: Buffer | string, headers: Record<string, string>) => fetch(url, { method: 'POST', body, headers });

  async function assertGoodRequestStillWorks(): Promise<void> {
    const { body, traceId } = goodRequest();
    const res = await post(body, { 'content-type': 'application/x-protobuf' });
    assert.equal(res.status, 200);
    const rows = await svc.rows('SELECT input_tokens FROM llm_calls FINAL WHERE trace_id = {t:String}', { t: traceId });
    assert.deepEqual(rows, [{ input_tokens: 10 }]);
  }

  test('truncated protobuf: 400 with a google.rpc.Status naming the position', async () => {
    const { body } = goodRequest();
    const res = await post(body.subarray(0, body.length - 3), { 'content-type': 'application/x-protobuf' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    const status = decodeStatus(new Uint8Array(await res.arrayBuffer()));
    assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
    assert.match(status.message!, /invalid OTLP protobuf ExportTraceServiceRequest at resource_spans\[0\]/);
    await assertGoodRequestStillWorks();
  });

  test('invalid JSON: 400 with a JSON status', async () => {
    const res = await post('{"resourceSpans":[{', { 'content-type': 'application/json' });
    assert.equal(res.status, 400);
    const status = (await res.json()) as { code: number; message: string };
    assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
    assert.match(status.message, /^invalid JSON: /);
    await assertGoodRequestStillWorks();
  });

  test('wrong content type: 415 naming the accepted types', async () => {
    const res = await post('hello', { 'content-type': 'text/plain' });
    assert.equal(res.status, 415);
    assert.match(((await res.json()) as { message: string }).message, /unsupported Content-Type 'text\/plain': use application\/x-protobuf or application\/json/);
    await assertGoodRequestStillWorks();
  });

  test('oversized body: 413', async () => {
    const res = await post(Buffer.alloc(MAX_BODY + 100 * 1024, 1), { 'content-type': 'application/x-protobuf' });
    assert.equal(res.status, 413);
    assert.match(decodeStatus(new Uint8Array(await res.arrayBuffer())).message!, /exceeds 262144 bytes/);
    await assertGoodRequestStillWorks();
  });

  test('gzip bomb: 413, judged after decompression', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    assert.ok(bomb.length < MAX_BODY);
    const res = await post(bomb, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    assert.equal(res.status, 413);
    assert.match(decodeStatus(new Uint8Array(await res.arrayBuffer())).message!, /after decompression/);
    await assertGoodRequestStillWorks();
  });

  test('spans with bad ids: 200 with partial success; the good spans of the request are stored', async () => {
    const traceId = newTraceId();
    const body = encodeRequest([
      { traceId, spanId: newSpanId(), name: 'good', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' } },
      { traceId: 'abcd', spanId: newSpanId(), name: 'bad', attributes: {} },
    ]);
    const res = await post(body, { 'content-type': 'application/x-protobuf' });
    assert.equal(res.status, 200);
    const decoded = decodeResponse(new Uint8Array(await res.arrayBuffer()));
    assert.equal(decoded.partial_success?.rejected_spans, '1');
    assert.match(decoded.partial_success!.error_message!, /spans\[1\]: trace_id must be 16 bytes, got 2 bytes/);
    assert.deepEqual(await svc.rows('SELECT span_id != \'\' AS ok FROM llm_calls FINAL WHERE trace_id = {t:String}', { t: traceId }), [{ ok: 1 }]);
  });

  test('unknown path: 404', async () => {
    const res = await fetch(url.replace('/v1/traces', '/v1/metrics'), { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 404);
  });

  const grpcExport = (body: Buffer) =>
    new Promise<{ err: grpc.ServiceError | null; res?: Buffer }>((resolve) => {
      grpcClient.makeUnaryRequest(
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        (err, res) => resolve({ err, res }),
      );
    });

  test('gRPC: truncated protobuf is INVALID_ARGUMENT, and the next call succeeds', async () => {
    const { body } = goodRequest();
    const bad = await grpcExport(body.subarray(0, body.length - 3));
    assert.equal(bad.err?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(bad.err!.details, /resource_spans\[0\]/);
    const good = goodRequest();
    const ok = await grpcExport(good.body);
    assert.equal(ok.err, null);
    assert.deepEqual(await svc.rows('SELECT output_tokens FROM llm_calls FINAL WHERE trace_id = {t:String}', { t: good.traceId }), [{ output_tokens: 5 }]);
  });

  test('gRPC: an oversized message is RESOURCE_EXHAUSTED', async () => {
    const res = await grpcExport(Buffer.alloc(MAX_BODY + 1024, 0));
    assert.equal(res.err?.code, grpc.status.RESOURCE_EXHAUSTED);
  });
});

describe('admission: runaway senders and memory pressure get retryable refusals', () => {
  test('a sender over its rate gets 429 + Retry-After over HTTP and RESOURCE_EXHAUSTED over gRPC', async () => {
    const svc = await startTestService({ receiver: { senderRequestsPerSecond: 2 } });
    try {
      const url = `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await fetch(url, { method: 'POST', body: goodRequest().body, headers: { 'content-type': 'application/x-protobuf' } });
        await res.arrayBuffer();
        statuses.push(res.status);
        if (res.status === 429) assert.ok(Number(res.headers.get('retry-after')) >= 1);
      }
      assert.deepEqual(statuses.slice(0, 4), [200, 200, 200, 200]);
      assert.ok(statuses.slice(4).every((s) => s === 429));
      const client = new grpc.Client(`127.0.0.1:${svc.service.ports.otlpGrpc}`, grpc.credentials.createInsecure());
      const err = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, goodRequest().body, (e) => resolve(e)),
      );
      client.close();
      assert.equal(err?.code, grpc.status.RESOURCE_EXHAUSTED);
      assert.equal(err!.metadata.get('grpc-status-details-bin').length, 1);
    } finally {
      await svc.stop();
    }
  });

  test('above the soft memory limit exports get 503 and readiness fails above the hard limit', async () => {
    const svc = await startTestService({ receiver: { memorySoftLimitMb: 64, memoryHardLimitMb: 64 } });
    try {
      const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, { method: 'POST', body: goodRequest().body, headers: { 'content-type': 'application/x-protobuf' } });
      assert.equal(res.status, 503);
      assert.match(decodeStatus(new Uint8Array(await res.arrayBuffer())).message!, /memory limit: \d+ MiB resident, soft limit 64 MiB/);
      const ready = await fetch(`http://127.0.0.1:${svc.service.ports.api}/readyz`);
      assert.equal(ready.status, 503);
    } finally {
      await svc.stop();
    }
  });
});
