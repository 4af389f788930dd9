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
