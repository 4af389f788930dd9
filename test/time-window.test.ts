import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { decodeResponse, encodeRequest, newSpanId, newTraceId, type RawSpan } from './helpers/payloads';
import { startTestService, type TestService } from './helpers/test-service';

const nanosAt = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;
const DAY_NS = 86_400_000_000_000n;

describe('spans outside the time window are refused one by one; their neighbours are stored', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(() => svc.stop());

  const call = (traceId: string, startUnixNano?: bigint): RawSpan => ({
    traceId,
    spanId: newSpanId(),
    name: 'chat gpt-4o-mini',
    attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5 },
    ...(startUnixNano === undefined ? {} : { startUnixNano }),
  });

  test('1970, 2031 and 2262 are refused with partial success and counted by reason; now, a 300-day backfill and 20 h of skew are stored', async () => {
    const traceId = newTraceId();
    const now = BigInt(Date.now()) * 1_000_000n;
    const spans = [
      call(traceId),
      call(traceId, nanosAt('1970-01-01T00:00:01Z')),
      call(traceId, now - 300n * DAY_NS),
      call(traceId, nanosAt('2031-06-01T00:00:00Z')),
      call(traceId, now + (20n * DAY_NS) / 24n),
      call(traceId, nanosAt('2262-04-11T00:00:00Z')),
    ];
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, { method: 'POST', body: encodeRequest(spans), headers: { 'content-type': 'application/x-protobuf' } });
    assert.equal(res.status, 200);
    const partial = decodeResponse(new Uint8Array(await res.arrayBuffer())).partial_success;
    assert.equal(partial?.rejected_spans, '3');
    assert.equal(
      partial?.error_message,
      '3 spans rejected; first: resource_spans[0].scope_spans[0].spans[1]: start_time_unix_nano 1000000000 (1970-01-01T00:00:01.000Z) is more than 400 days in the past (receiver.maxSpanAgeDays)',
    );
    const stored = await svc.rows<{ span_id: string }>('SELECT span_id FROM llm_calls FINAL WHERE trace_id = {t:String} ORDER BY timestamp', { t: traceId });
    assert.deepEqual(stored.map((r) => r.span_id), [spans[2]!.spanId, spans[0]!.spanId, spans[4]!.spanId]);
    const inSpans = await svc.rows<{ n: number }>('SELECT count() AS n FROM spans FINAL WHERE trace_id = {t:String}', { t: traceId });
    // `spans` keeps 30 days (ledger.spansTtlDays): the 300-day backfill is in llm_calls only.
    assert.deepEqual(inSpans, [{ n: 2 }]);
    const metrics = await (await fetch(`http://127.0.0.1:${svc.service.ports.api}/metrics`)).text();
    assert.match(metrics, /spanledger_spans_rejected_total\{transport="http",reason="too_old"\} 1\n/);
    assert.match(metrics, /spanledger_spans_rejected_total\{transport="http",reason="in_future"\} 2\n/);
  });

  test('over gRPC the refusal names the reason too: a span from 2031 is OK with partial_success', async () => {
    const traceId = newTraceId();
    const body = encodeRequest([call(traceId), call(traceId, nanosAt('2031-01-01T00:00:00Z'))]);
    const client = new grpc.Client(`127.0.0.1:${svc.service.ports.otlpGrpc}`, grpc.credentials.createInsecure());
    try {
      const reply = await new Promise<Buffer>((resolve, reject) =>
        client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, (e, r) => (e ? reject(e) : resolve(r!))),
      );
      const partial = decodeResponse(reply).partial_success;
      assert.equal(partial?.rejected_spans, '1');
      assert.equal(partial?.error_message, '1 span rejected: resource_spans[0].scope_spans[0].spans[1]: start_time_unix_nano 1924992000000000000 (2031-01-01T00:00:00.000Z) is more than 86400 s in the future (receiver.maxFutureSkewSeconds)');
    } finally {
      client.close();
    }
    assert.equal((await svc.rows('SELECT 1 FROM llm_calls FINAL WHERE trace_id = {t:String}', { t: traceId })).length, 1);
  });
});
