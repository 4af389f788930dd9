import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { startTestService, type TestService } from './helpers/test-service';

const ALLOWED_HTTP = new Set([200, 400, 413, 415]);

/** A valid export with a few GenAI spans, as bytes to mutate. */
function seed(): Buffer {
  const traceId = newTraceId();
  return encodeRequest([
    { traceId, spanId: newSpanId(), name: 'POST /chat', attributes: { 'http.request.method': 'POST' } },
    { traceId, spanId: newSpanId(), name: 'chat gpt-4o', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 3 } },
  ]);
}

/** Mutations of a valid payload: flipped bytes, cuts, splices, inserted garbage. */
const mutated = (base: Buffer) =>
  fc.oneof(
    fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
      const b = Buffer.from(base);
      for (const [i, v] of flips) b[i] = v;
      return b;
    }),
    fc.nat(base.length).map((n) => base.subarray(0, n)),
    fc.tuple(fc.nat(base.length), fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([at, junk]) => Buffer.concat([base.subarray(0, at), Buffer.from(junk), base.subarray(at)])),
    fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
  );

/** JSON that is almost OTLP: right shape with wrong types, random values, broken text. */
const almostJson = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.jsonValue().map((v) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [v] }] }] })),
  fc.record({ traceId: fc.string(), spanId: fc.string(), startTimeUnixNano: fc.oneof(fc.string(), fc.integer(), fc.double()), attributes: fc.jsonValue() }).map((s) =>
    JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [s] }] }] }),
  ),
  fc.string().map((s) => `{"resourceSpans":[${s}`),
);

describe('fuzzed payloads never crash the service', () => {
  let svc: TestService;
  let url: string;
  let client: grpc.Client;
  before(async () => {
    svc = await startTestService();
    url = `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
    client = new grpc.Client(`127.0.0.1:${svc.service.ports.otlpGrpc}`, grpc.credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await svc.stop();
  });

  const grpcExport = (body: Buffer) =>
    new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, (err) => resolve(err)),
    );

  test('mutated protobuf over HTTP and gRPC: only 200/400/413/415 and OK/INVALID_ARGUMENT, each refusal with a message', async () => {
    const base = seed();
    await fc.assert(
      fc.asyncProperty(mutated(base), async (body) => {
        const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
        const text = Buffer.from(await res.arrayBuffer());
        assert.ok(ALLOWED_HTTP.has(res.status), `HTTP ${res.status}`);
        if (res.status !== 200) assert.ok(text.length > 0, 'a refusal carries a status body');
        const err = await grpcExport(body);
        assert.ok(err === null || err.code === grpc.status.INVALID_ARGUMENT, `gRPC ${err?.code}: ${err?.details}`);
        if (err) assert.ok(err.details.length > 0);
      }),
      { numRuns: 600, seed: 20261122 },
    );
  });

  test('almost-OTLP JSON: only 200/400, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(almostJson, async (body) => {
        const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        await res.arrayBuffer();
        assert.ok(res.status === 200 || res.status === 400, `HTTP ${res.status} for ${body.slice(0, 200)}`);
      }),
      { numRuns: 600, seed: 20261122 },
    );
  });

  test('a valid export still succeeds and is stored afterwards', async () => {
    const traceId = newTraceId();
    const res = await fetch(url, { method: 'POST', body: encodeRequest([{ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.provider.name': 'openai' } }]), headers: { 'content-type': 'application/x-protobuf' } });
    assert.equal(res.status, 200);
    assert.deepEqual(await svc.rows('SELECT count() AS n FROM llm_calls FINAL WHERE trace_id = {t:String}', { t: traceId }), [{ n: 1 }]);
  });
});
