import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import { startService } from '../src/service';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { startTestService } from './helpers/test-service';

test('detached parts of ledger tables are reported in /metrics and, after a restart, in the log', async () => {
  const svc = await startTestService();
  const db = svc.cfg.ledger.database;
  let restarted: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    const traceId = newTraceId();
    const body = encodeRequest([{ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 5 } }]);
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
    assert.equal(res.status, 200);
    // An operator (or the engine, for a part it finds broken) sets the part aside.
    const [{ partition } = { partition: '' }] = await svc.rows<{ partition: string }>('SELECT _partition_id AS partition FROM llm_calls GROUP BY partition');
    await svc.service.storage.client.command({ query: `ALTER TABLE ${db}.llm_calls DETACH PARTITION ID '${partition}'` });
    const metrics = await (await fetch(`http://127.0.0.1:${svc.service.ports.api}/metrics`)).text();
    assert.match(metrics, /spanledger_detached_parts\{table="llm_calls",reason=""\} 1\n/);
    await svc.stop();

    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    restarted = await startService(svc.cfg, pino({ level: 'info' }, sink));
    const report = lines.map((l) => JSON.parse(l) as { msg: string; detachedParts?: unknown }).find((l) => l.detachedParts !== undefined);
    assert.ok(report, 'the start-up log names the detached parts');
    assert.match(report.msg, /detached parts/);
    assert.deepEqual(report.detachedParts, [{ table: 'llm_calls', reason: '', parts: 1 }]);
  } finally {
    await restarted?.stop();
    await svc.stop();
  }
});
