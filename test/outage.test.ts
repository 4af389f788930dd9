import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeStatus, encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { startTestService } from './helpers/test-service';

test('storage outage: exports are spooled and acknowledged until the spool is full, then 503; after recovery every acknowledged call is stored exactly once', async () => {
  const svc = await startTestService({ ledger: { spoolMaxBytes: 256 * 1024 } });
  try {
    const db = svc.cfg.ledger.database;
    const admin = svc.service.storage.client;
    const url = `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
    const acked: string[] = [];
    let refused = 0;
    let retryAfter = '';
    const exportOne = async () => {
      const traceId = newTraceId();
      const body = encodeRequest(Array.from({ length: 20 }, () => ({ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10 } })));
      const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (res.status === 200) acked.push(traceId);
      else {
        assert.equal(res.status, 503);
        assert.match(decodeStatus(bytes).message!, /spool is full/);
        retryAfter = res.headers.get('retry-after') ?? '';
        refused++;
      }
    };
    await exportOne();
    // Storage goes away: the ledger table cannot be written.
    await admin.command({ query: `RENAME TABLE ${db}.llm_calls TO ${db}.llm_calls_away` });
    for (let i = 0; i < 40 && refused === 0; i++) await exportOne();
    assert.ok(acked.length > 2, `exports were acknowledged from the spool (${acked.length})`);
    assert.ok(refused > 0, 'a full spool refuses');
    assert.ok(Number(retryAfter) >= 1);
    assert.ok(svc.service.writer.pendingRows >= 0);
    // Storage returns; the spool replays.
    await admin.command({ query: `RENAME TABLE ${db}.llm_calls_away TO ${db}.llm_calls` });
    assert.ok((await svc.service.writer.drainSpool()) > 0);
    assert.equal(await svc.service.writer.drainSpool(), 0);
    const [row] = await svc.rows<{ calls: number; traces: number; distinct: number }>(
      'SELECT count() AS calls, uniqExact(trace_id) AS traces, uniqExact(trace_id, span_id) AS distinct FROM llm_calls FINAL WHERE trace_id IN {t:Array(String)}',
      { t: acked },
    );
    assert.deepEqual(row, { calls: acked.length * 20, traces: acked.length, distinct: acked.length * 20 });
    const metrics = await (await fetch(`http://127.0.0.1:${svc.service.ports.api}/metrics`)).text();
    assert.match(metrics, /spanledger_spool_bytes 0\n/);
    assert.match(metrics, /spanledger_spool_replayed_exports_total [1-9]/);
  } finally {
    await svc.stop();
  }
});
