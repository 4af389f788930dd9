import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeRequest, newSpanId, newTraceId, type RawSpan } from './helpers/payloads';
import { startTestService } from './helpers/test-service';

const DAY_NS = 86_400_000_000_000n;
const call = (traceId: string, startUnixNano?: bigint): RawSpan => ({
  traceId,
  spanId: newSpanId(),
  name: 'chat',
  startUnixNano,
  attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10 },
});

test('an export whose spans fall on 101 different days is stored, and exports spooled behind it are stored too', async () => {
  const svc = await startTestService();
  try {
    const db = svc.cfg.ledger.database;
    const admin = svc.service.storage.client;
    const url = `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
    const acked: string[] = [];
    let ackedCalls = 0;
    const send = async (spans: RawSpan[]) => {
      const res = await fetch(url, { method: 'POST', body: encodeRequest(spans), headers: { 'content-type': 'application/x-protobuf' } });
      await res.arrayBuffer();
      assert.equal(res.status, 200, 'every export here is valid and acknowledged');
      acked.push(spans[0]!.traceId);
      ackedCalls += spans.length;
    };
    // 101 calls, one per day over the last 101 days: one insert would touch 101 partitions of `spans`.
    const spread = newTraceId();
    const now = BigInt(Date.now()) * 1_000_000n;
    await send(Array.from({ length: 101 }, (_, i) => call(spread, now - BigInt(i) * DAY_NS)));
    const normal = () => {
      const t = newTraceId();
      return Array.from({ length: 10 }, () => call(t));
    };
    for (let i = 0; i < 3; i++) await send(normal());
    // Storage refuses for a while: these exports are spooled (behind anything spooled earlier).
    await admin.command({ query: `RENAME TABLE ${db}.llm_calls TO ${db}.llm_calls_away` });
    for (let i = 0; i < 5; i++) await send(normal());
    await admin.command({ query: `RENAME TABLE ${db}.llm_calls_away TO ${db}.llm_calls` });
    await svc.service.writer.drainSpool();
    for (let i = 0; i < 3; i++) await send(normal());
    const [row] = await svc.rows<{ calls: number; distinct: number }>(
      'SELECT count() AS calls, uniqExact(trace_id, span_id) AS distinct FROM llm_calls FINAL WHERE trace_id IN {t:Array(String)}',
      { t: acked },
    );
    assert.deepEqual(row, { calls: ackedCalls, distinct: ackedCalls }, 'every acknowledged call is in llm_calls exactly once');
    const [spans] = await svc.rows<{ n: number }>('SELECT count() AS n FROM spans FINAL WHERE trace_id = {t:String}', { t: spread });
    // `spans` keeps 30 days; the older days may already be dropped by its TTL, never the recent ones.
    assert.ok(spans!.n >= 30, `the spread export's spans are in spans (${spans!.n})`);
    const metrics = await (await fetch(`http://127.0.0.1:${svc.service.ports.api}/metrics`)).text();
    assert.match(metrics, /spanledger_spool_bytes 0\n/, 'the spool drained');
  } finally {
    await svc.stop();
  }
});
