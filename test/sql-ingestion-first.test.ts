import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { killAll, startServe, type ServeProcess } from './helpers/cli-process';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';

// No child process outlives this file, even when a test fails half-way.
after(killAll);

const TOKEN = 'lane-test-token';
// A query that keeps the engine busy until its cap: 20 s here, far longer than the test's exports.
const HEAVY = 'SELECT sum(cityHash64(number)) FROM numbers(1000000000000)';

function serve(maxExecutionTimeS: number): Promise<ServeProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-lane-'));
  const config = path.join(dir, 'spanledger.yaml');
  writeFileSync(config, `shutdownGraceMs: 3000\nledger:\n  dataDir: ${path.join(dir, 'data')}\n  sql:\n    maxExecutionTimeS: ${maxExecutionTimeS}\n    maxRowsToRead: 1000000000000000\n`);
  return startServe(['--config', config, '--allow-unauthenticated'], { SPANLEDGER_ADMIN_TOKEN: TOKEN });
}

function sql(svc: ServeProcess, query: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`http://127.0.0.1:${svc.ports.api}/clickhouse`, { method: 'POST', body: query, headers: { authorization: `Bearer ${TOKEN}` }, signal });
}

test('heavy SQL on /clickhouse never stalls OTLP ingestion, the policy or /metrics', async () => {
  const svc = await serve(20);
  try {
    const heavy = Array.from({ length: 5 }, () => {
      const ac = new AbortController();
      return { ac, done: sql(svc, HEAVY, ac.signal).then((r) => r.status, () => 'aborted') };
    });
    // Let them start: two run, the rest wait in the queue.
    await new Promise((r) => setTimeout(r, 1000));
    const traceIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const traceId = newTraceId();
      const body = encodeRequest([{ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10 + i, 'gen_ai.usage.output_tokens': 1 } }], 'lane-svc');
      // An exporter's own timeout (10 s): an answer later than that is a lost export for the sender.
      const res = await fetch(`http://127.0.0.1:${svc.ports.otlpHttp}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' }, signal: AbortSignal.timeout(10_000) });
      assert.ok(res.status === 200 || (res.status === 503 && res.headers.get('retry-after') !== null), `export ${i}: ${res.status}`);
      if (res.status === 200) traceIds.push(traceId);
    }
    assert.ok(traceIds.length >= 18, `only ${traceIds.length} of 20 exports were accepted while SQL ran`);
    const metrics = await fetch(`http://127.0.0.1:${svc.ports.api}/metrics`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /spanledger_/);
    const ready = await fetch(`http://127.0.0.1:${svc.ports.api}/readyz`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(ready.status, 200);
    for (const h of heavy) h.ac.abort();
    await Promise.all(heavy.map((h) => h.done));
    // Every accepted call is in the ledger, read through the same endpoint once it is free again.
    const counted = await sql(svc, `SELECT count() FROM llm_calls FINAL WHERE trace_id IN (${traceIds.map((t) => `'${t}'`).join(',')}) FORMAT TSV`);
    assert.equal(await counted.text(), `${traceIds.length}\n`);
  } finally {
    assert.equal(await svc.stop(), 0, svc.tail());
  }
});

test('a caller that goes away cancels its query in the engine, and a full queue answers 503 with Retry-After', async () => {
  const svc = await serve(60);
  try {
    const held = [new AbortController(), new AbortController()];
    const running = held.map((ac) => sql(svc, HEAVY, ac.signal).catch(() => undefined));
    await new Promise((r) => setTimeout(r, 500));
    // Both slots are taken; 16 more may wait; the 19th is refused at once.
    const queued = Array.from({ length: 16 }, () => {
      const ac = new AbortController();
      return { ac, done: sql(svc, 'SELECT 1', ac.signal).then((r) => r.status, () => 'aborted') };
    });
    await new Promise((r) => setTimeout(r, 300));
    const full = await sql(svc, 'SELECT 1');
    assert.equal(full.status, 503);
    assert.equal(full.headers.get('retry-after'), '1');
    assert.match(await full.text(), /TOO_MANY_SIMULTANEOUS_QUERIES/);
    // The callers of the two heavy queries go away: the engine stops them (they would
    // run 60 s), the slots free up, and the queued queries are answered.
    for (const ac of held) ac.abort();
    await Promise.all(running);
    const statuses = await Promise.all(queued.map((q) => q.done));
    assert.deepEqual(statuses, queued.map(() => 200));
  } finally {
    assert.equal(await svc.stop(), 0);
  }
});

test('SIGTERM ends the process while a query runs: the query is cancelled and the exit is clean', async () => {
  const svc = await serve(120);
  const running = sql(svc, HEAVY).then((r) => r.status, () => 'closed');
  await new Promise((r) => setTimeout(r, 700));
  const startedMs = Date.now();
  const code = await svc.stop();
  assert.equal(code, 0, svc.tail());
  // Within the shutdown grace (3 s) and well before the query's 120 s cap.
  assert.ok(Date.now() - startedMs < 15_000, `shutdown took ${Date.now() - startedMs} ms`);
  assert.notEqual(await running, 200);
});
