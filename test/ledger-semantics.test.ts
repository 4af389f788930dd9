import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { decodeStatus, encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { startTestService, type TestService } from './helpers/test-service';

describe('ledger semantics', () => {
  let svc: TestService;
  let url: string;
  before(async () => {
    // A window wide enough for the 1972 span below: this suite tests storage of early times,
    // the time-window suite tests the default window.
    svc = await startTestService({ receiver: { maxSpanAgeDays: 30_000 } });
    url = `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
  });
  after(async () => {
    await svc.stop();
  });
  const send = (body: Buffer) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });

  test('sending the same export twice leaves each call counted once', async () => {
    const traceId = newTraceId();
    const rootId = newSpanId();
    const body = encodeRequest([
      { traceId, spanId: rootId, name: 'POST /summarize', attributes: {} },
      { traceId, spanId: newSpanId(), parentSpanId: rootId, name: 'chat a', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10 } },
      { traceId, spanId: newSpanId(), parentSpanId: rootId, name: 'chat b', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 200, 'gen_ai.usage.output_tokens': 20 } },
    ]);
    assert.equal((await send(body)).status, 200);
    assert.equal((await send(body)).status, 200);
    const [totals] = await svc.rows<{ calls: number; input: number; output: number }>(
      'SELECT count() AS calls, sum(input_tokens) AS input, sum(output_tokens) AS output FROM llm_calls FINAL WHERE trace_id = {t:String}',
      { t: traceId },
    );
    assert.deepEqual(totals, { calls: 2, input: 300, output: 30 });
    const [spans] = await svc.rows<{ n: number }>('SELECT count() AS n FROM spans FINAL WHERE trace_id = {t:String}', { t: traceId });
    assert.equal(spans!.n, 3);
  });

  test('every ingest stage is counted per export: spans into normalize, calls through ownership and pricing', async () => {
    const metric = async () => {
      const text = await (await fetch(`http://127.0.0.1:${svc.service.ports.api}/metrics`)).text();
      const read = (name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      const stage = (st: string, dir: string) => read(`spanledger_stage_items_total{stage="${st}",direction="${dir}"}`);
      return {
        normalize: [stage('normalize', 'in'), stage('normalize', 'out')],
        ownership: [stage('ownership', 'in'), stage('ownership', 'out')],
        pricing: [stage('pricing', 'in'), stage('pricing', 'out')],
        timed: read('spanledger_stage_duration_seconds_count{stage="pricing"}'),
      };
    };
    const before = await metric();
    const traceId = newTraceId();
    const chat = { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 5, 'gen_ai.usage.output_tokens': 1 };
    assert.equal((await send(encodeRequest([
      { traceId, spanId: newSpanId(), name: 'POST /x', attributes: {} },
      { traceId, spanId: newSpanId(), name: 'chat', attributes: chat },
      { traceId, spanId: newSpanId(), name: 'chat', attributes: chat },
    ]))).status, 200);
    const now = await metric();
    assert.deepEqual(
      { normalize: [now.normalize[0]! - before.normalize[0]!, now.normalize[1]! - before.normalize[1]!], ownership: [now.ownership[0]! - before.ownership[0]!, now.ownership[1]! - before.ownership[1]!], pricing: [now.pricing[0]! - before.pricing[0]!, now.pricing[1]! - before.pricing[1]!], timed: now.timed - before.timed },
      { normalize: [3, 2], ownership: [2, 2], pricing: [2, 2], timed: 1 },
    );
  });

  test('deprecated and current attribute names produce identical ledger rows', async () => {
    const current = newTraceId();
    const deprecated = newTraceId();
    await send(encodeRequest([{ traceId: current, spanId: newSpanId(), name: 'chat', attributes: {
      'gen_ai.provider.name': 'azure.ai.openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4.1', 'gen_ai.response.model': 'gpt-4.1-2025-04-14',
      'gen_ai.usage.input_tokens': 5000, 'gen_ai.usage.output_tokens': 700, 'gen_ai.usage.cache_read.input_tokens': 4000,
      'gen_ai.usage.cache_creation.input_tokens': 500, 'gen_ai.usage.reasoning.output_tokens': 300, 'gen_ai.conversation.id': 's-1',
    } }]));
    await send(encodeRequest([{ traceId: deprecated, spanId: newSpanId(), name: 'chat', attributes: {
      'gen_ai.system': 'az.ai.openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4.1', 'gen_ai.response.model': 'gpt-4.1-2025-04-14',
      'gen_ai.usage.prompt_tokens': 5000, 'gen_ai.usage.completion_tokens': 700, 'gen_ai.usage.cache_read_input_tokens': 4000,
      'gen_ai.usage.cache_write.input_tokens': 500, 'gen_ai.usage.reasoning_tokens': 300, 'session.id': 's-1',
    } }]));
    const cols = 'provider, operation, request_model, response_model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, session_id, latency_ms, convention';
    const q = `SELECT ${cols} FROM llm_calls FINAL WHERE trace_id = {t:String}`;
    const [a] = await svc.rows(q, { t: current });
    const [b] = await svc.rows(q, { t: deprecated });
    assert.ok(a);
    assert.deepEqual(a, b);
    assert.equal(a.provider, 'azure.ai.openai');
    assert.equal(a.cache_write_tokens, 500);
  });

  test('raw attributes are queryable as maps in both tables', async () => {
    const traceId = newTraceId();
    await send(encodeRequest([{ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.request.model': 'gpt-4o', 'app.flag': 'x"y', 'gen_ai.usage.input_tokens': 77 } }], 'map-svc'));
    const rows = await svc.rows(
      "SELECT attributes['app.flag'] AS flag, toUInt64(attributes['gen_ai.usage.input_tokens']) AS n, resource_attributes['service.name'] AS svc FROM llm_calls FINAL WHERE trace_id = {t:String}",
      { t: traceId },
    );
    assert.deepEqual(rows, [{ flag: 'x"y', n: 77, svc: 'map-svc' }]);
    const spans = await svc.rows("SELECT arraySort(mapKeys(attributes)) AS keys FROM spans FINAL WHERE trace_id = {t:String}", { t: traceId });
    assert.deepEqual(spans, [{ keys: ['app.flag', 'gen_ai.request.model', 'gen_ai.usage.input_tokens'] }]);
  });

  test('a span of an unknown dialect that names a known model lands in spans flagged unmapped_llm', async () => {
    const traceId = newTraceId();
    await send(encodeRequest([
      { traceId, spanId: newSpanId(), name: 'acme.complete', attributes: { 'acme.llm.model': 'gpt-4o', 'acme.tokens.in': 12 } },
      { traceId, spanId: newSpanId(), name: 'db.query', attributes: { 'db.system': 'postgresql', 'ml.model': 'resnet-50-internal' } },
    ]));
    assert.deepEqual(await svc.rows('SELECT count() AS n FROM llm_calls FINAL WHERE trace_id = {t:String}', { t: traceId }), [{ n: 0 }]);
    assert.deepEqual(
      await svc.rows('SELECT name, unmapped_llm FROM spans FINAL WHERE trace_id = {t:String} ORDER BY name', { t: traceId }),
      [{ name: 'acme.complete', unmapped_llm: 1 }, { name: 'db.query', unmapped_llm: 0 }],
    );
    const text = await (await fetch(`http://127.0.0.1:${svc.service.ports.api}/metrics`)).text();
    assert.match(text, /spanledger_unmapped_llm_spans_total 1\n/);
  });

  test('spans from before 2001 are stored exactly; times past 2262 are refused per span', async () => {
    const early = newTraceId();
    const res = await send(encodeRequest([
      { traceId: early, spanId: newSpanId(), name: 'old', attributes: { 'gen_ai.request.model': 'gpt-4o' }, startUnixNano: 65_989_908_724_729_536n },
      { traceId: newTraceId(), spanId: newSpanId(), name: 'future', attributes: {}, startUnixNano: 9_300_000_000_000_000_000n },
    ]));
    assert.equal(res.status, 200);
    assert.deepEqual(await svc.rows('SELECT toString(timestamp) AS t FROM llm_calls FINAL WHERE trace_id = {t:String}', { t: early }), [{ t: '1972-02-03 18:31:48.724729536' }]);
  });

  test('a root span with no LLM call is in spans only', async () => {
    const traceId = newTraceId();
    await send(encodeRequest([{ traceId, spanId: newSpanId(), name: 'GET /health', attributes: { 'http.request.method': 'GET' } }]));
    assert.deepEqual(await svc.rows('SELECT count() AS n FROM llm_calls FINAL WHERE trace_id = {t:String}', { t: traceId }), [{ n: 0 }]);
    assert.deepEqual(await svc.rows('SELECT name, is_llm_call FROM spans FINAL WHERE trace_id = {t:String}', { t: traceId }), [{ name: 'GET /health', is_llm_call: 0 }]);
  });
});

describe('storage trouble is retryable, never a silent loss', () => {
  test('with storage gone and no spool, HTTP answers 503 + Retry-After and gRPC UNAVAILABLE with RetryInfo', async () => {
    const svc = await startTestService({ ledger: { spoolMaxBytes: 0 } });
    try {
      // Close the engine session under the running service: every write now fails.
      await svc.service.storage.client.close();
      const body = encodeRequest([{ traceId: newTraceId(), spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.request.model': 'gpt-4o' } }]);
      const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
      assert.equal(res.status, 503);
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
      const client = new grpc.Client(`127.0.0.1:${svc.service.ports.otlpGrpc}`, grpc.credentials.createInsecure());
      const err = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, (e) => resolve(e)),
      );
      client.close();
      assert.equal(err?.code, grpc.status.UNAVAILABLE);
      assert.ok(err!.metadata.get('grpc-status-details-bin').length === 1);
      const ready = await fetch(`http://127.0.0.1:${svc.service.ports.api}/readyz`);
      assert.equal(ready.status, 503);
    } finally {
      await svc.service.stop();
      await svc.sql.close();
    }
  });

  test('beyond the pending-rows limit exports are refused as retryable, not queued without bound', async () => {
    const svc = await startTestService({ ledger: { maxPendingRows: 3, batchMaxDelayMs: 50, spoolMaxBytes: 0 } });
    try {
      const traceId = newTraceId();
      const spans = Array.from({ length: 4 }, (_, i) => ({ traceId, spanId: newSpanId(), name: `s${i}`, attributes: {} }));
      const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, { method: 'POST', body: encodeRequest(spans), headers: { 'content-type': 'application/x-protobuf' } });
      assert.equal(res.status, 503);
      assert.match(decodeStatus(new Uint8Array(await res.arrayBuffer())).message!, /ledger is behind/);
      const small = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, { method: 'POST', body: encodeRequest(spans.slice(0, 2)), headers: { 'content-type': 'application/x-protobuf' } });
      assert.equal(small.status, 200);
    } finally {
      await svc.stop();
    }
  });
});
