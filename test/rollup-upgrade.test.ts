import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { startTestService, type TestService } from './helpers/test-service';

// Rollups built before a measure existed hold 0 for it; the resolver rebuilds every day once
// when the rollup schema it finds is older than its own.
let svc: TestService;
before(async () => {
  svc = await startTestService();
});
after(async () => {
  await svc?.stop();
});

test('rollups of an older schema are rebuilt in full on the next pass', async () => {
  const day = new Date(Date.now() - 5 * 86_400_000);
  const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, {
    method: 'POST', headers: { 'content-type': 'application/x-protobuf' },
    body: encodeRequest([{ traceId: newTraceId(), spanId: newSpanId(), name: 'chat', startUnixNano: BigInt(day.getTime()) * 1_000_000n,
      attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'error.type': '500' } }]),
  });
  assert.equal(res.status, 200);
  await svc.service.resolveMarks();
  const measure = async () => (await svc.rows<{ n: string }>(
    'SELECT toString(sum(missing_usage_calls)) AS n FROM rollup_daily_costs FINAL WHERE day = {d:Date}', { d: day.toISOString().slice(0, 10) }))[0]!.n;
  assert.equal(await measure(), '1');
  // The state of a ledger whose rollups predate the measure: the measure at 0, no schema mark.
  const db = svc.cfg.ledger.database;
  const client = svc.service.storage.client;
  await client.command({ query: `ALTER TABLE ${db}.rollup_daily_costs UPDATE missing_usage_calls = 0 WHERE 1 SETTINGS mutations_sync = 2` });
  await client.command({ query: `ALTER TABLE ${db}.resolver_state DELETE WHERE name = 'rollup_schema' SETTINGS mutations_sync = 2` });
  assert.equal(await measure(), '0');
  const pass = await svc.service.resolveMarks();
  assert.ok(pass.daysRebuilt >= 1, JSON.stringify(pass));
  assert.equal(await measure(), '1');
  // Built for the current schema now: the next pass has nothing to do.
  assert.equal((await svc.service.resolveMarks()).daysRebuilt, 0);
});

test('a ledger upgraded from rollup schema 2 gets its price and session rollups on the next pass', async () => {
  const db = svc.cfg.ledger.database;
  const client = svc.service.storage.client;
  const day = new Date(Date.now() - 3 * 86_400_000);
  const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, {
    method: 'POST', headers: { 'content-type': 'application/x-protobuf' },
    body: encodeRequest([{ traceId: newTraceId(), spanId: newSpanId(), name: 'chat', startUnixNano: BigInt(day.getTime()) * 1_000_000n,
      attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5, 'session.id': 'upgrade-session' } }]),
  });
  assert.equal(res.status, 200);
  await svc.service.resolveMarks();
  const counts = async () => (await svc.rows<{ p: string; s: string }>(
    'SELECT toString((SELECT sum(llm_calls) FROM rollup_daily_prices FINAL)) AS p, toString((SELECT sum(llm_calls) FROM rollup_daily_sessions FINAL)) AS s'))[0]!;
  const built = await counts();
  assert.ok(Number(built.p) >= 1 && Number(built.s) >= 1, JSON.stringify(built));
  // What a ledger whose rollups predate migration 16 has: its tables empty, no current schema mark.
  await client.command({ query: `TRUNCATE TABLE ${db}.rollup_daily_prices` });
  await client.command({ query: `TRUNCATE TABLE ${db}.rollup_daily_sessions` });
  await client.command({ query: `ALTER TABLE ${db}.resolver_state DELETE WHERE name = 'rollup_schema' SETTINGS mutations_sync = 2` });
  assert.deepEqual(await counts(), { p: '0', s: '0' });
  assert.ok((await svc.service.resolveMarks()).daysRebuilt >= 1);
  assert.deepEqual(await counts(), built);
});

test('a ledger from before rule 4 (the more detailed same-side report is billed) has its marks resolved again on the next pass', async () => {
  const db = svc.cfg.ledger.database;
  const client = svc.service.storage.client;
  const traceId = newTraceId();
  const outer = newSpanId();
  const at = BigInt(Date.now() - 2 * 86_400_000) * 1_000_000n;
  const usage = { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-3-5-haiku-20241022', 'gen_ai.usage.input_tokens': 3000, 'gen_ai.usage.output_tokens': 50 };
  // An instrumentation's span around the SDK's own: the inner one alone reports cache reads.
  const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, {
    method: 'POST', headers: { 'content-type': 'application/x-protobuf' },
    body: encodeRequest([
      { traceId, spanId: outer, name: 'outer report', startUnixNano: at, attributes: usage },
      { traceId, spanId: newSpanId(), parentSpanId: outer, name: 'inner report', startUnixNano: at + 1_000_000n, attributes: { ...usage, 'gen_ai.usage.cache_read.input_tokens': 2000 } },
    ]),
  });
  assert.equal(res.status, 200);
  await svc.service.resolveMarks();
  const marks = async () => svc.rows<{ span_name: string; dup: number; billed: string; cost: string }>(
    `SELECT c.span_name AS span_name, toUInt8(r.is_duplicate) AS dup, toString(r.billed_nano_usd) AS billed, toString(c.cost_nano_usd) AS cost
     FROM llm_calls_resolved(from = '2000-01-01 00:00:00', to = '2100-01-01 00:00:00') AS r
     INNER JOIN (SELECT span_id, span_name, cost_nano_usd FROM llm_calls FINAL WHERE trace_id = {t:String}) AS c ON c.span_id = r.span_id
     ORDER BY span_name`, { t: traceId });
  const now = await marks();
  assert.deepEqual(now.map((m) => [m.span_name, m.dup]), [['inner report', 0], ['outer report', 1]], 'the detailed inner report is billed');
  assert.equal(now[0]!.billed, now[0]!.cost);
  assert.ok(BigInt(now[0]!.cost) < BigInt(now[1]!.cost), 'cache reads bill below the full input rate');
  // The marks an older version stored (the inner report the duplicate), newer than the last
  // pass's, and its schema mark.
  const version = String(Date.now() * 1000);
  const [inner, outerRow] = (await svc.rows<{ span_id: string; ts: string }>(
    'SELECT span_id, toString(timestamp) AS ts FROM llm_calls FINAL WHERE trace_id = {t:String} ORDER BY span_name', { t: traceId }));
  await client.insert({
    table: `${db}.call_marks`, format: 'JSONEachRow',
    values: [
      { timestamp: inner!.ts, trace_id: traceId, span_id: inner!.span_id, duplicate_of: outerRow!.span_id, is_retry: 0, version },
      { timestamp: outerRow!.ts, trace_id: traceId, span_id: outerRow!.span_id, duplicate_of: '', is_retry: 0, version },
    ],
  });
  await client.command({ query: `ALTER TABLE ${db}.resolver_state DELETE WHERE name = 'rollup_schema' SETTINGS mutations_sync = 2` });
  await client.insert({ table: `${db}.resolver_state`, format: 'JSONEachRow', values: [{ name: 'rollup_schema', watermark: '2000-01-01 00:00:00.000', version: '3' }] });
  // Ingested long before the watermark, as on a real ledger: only the rule change brings the trace back.
  await client.command({ query: `ALTER TABLE ${db}.llm_calls UPDATE ingested_at = ingested_at - INTERVAL 1 HOUR WHERE trace_id = {t:String} SETTINGS mutations_sync = 2`, query_params: { t: traceId } });
  assert.deepEqual((await marks()).map((m) => [m.span_name, m.dup]), [['inner report', 1], ['outer report', 0]]);
  await svc.service.resolveMarks();
  assert.deepEqual((await marks()).map((m) => [m.span_name, m.dup]), [['inner report', 0], ['outer report', 1]], 'the next pass resolved the old trace again under the current rule');
});
