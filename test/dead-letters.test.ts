import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeResponse, decodeStatus, encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { ADMIN_TOKEN, startTestService, type TestService } from './helpers/test-service';

const CALLS_PER_EXPORT = 10;
const exportOf = (traceId: string, service: string) =>
  encodeRequest(
    Array.from({ length: CALLS_PER_EXPORT }, () => ({ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10 } })),
    service,
  );

async function send(svc: TestService, traceId: string, service = 'good-sender') {
  const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, { method: 'POST', body: exportOf(traceId, service), headers: { 'content-type': 'application/x-protobuf' } });
  return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
}

const api = (svc: TestService, route: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${svc.service.ports.api}${route}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers } });

async function storedCalls(svc: TestService, traces: string[]) {
  const [row] = await svc.rows<{ calls: number; distinct: number }>(
    'SELECT count() AS calls, uniqExact(trace_id, span_id) AS distinct FROM llm_calls FINAL WHERE trace_id IN {t:Array(String)}',
    { t: traces },
  );
  return row!;
}

test('an export storage refuses for good before acknowledgement gets 400 naming the engine error, is not spooled, and does not sink other exports', async () => {
  const svc = await startTestService();
  try {
    const db = svc.cfg.ledger.database;
    await svc.service.storage.client.command({ query: `ALTER TABLE ${db}.llm_calls ADD CONSTRAINT no_poison CHECK service_name != 'poison-sender'` });
    const poison = newTraceId();
    const good = newTraceId();
    const [bad, ok] = await Promise.all([send(svc, poison, 'poison-sender'), send(svc, good)]);
    assert.equal(bad.status, 400, 'refused for good: the sender must not retry');
    assert.match(decodeStatus(bad.body).message!, /VIOLATED_CONSTRAINT, code 469/);
    assert.equal(ok.status, 200);
    assert.deepEqual(await storedCalls(svc, [good]), { calls: CALLS_PER_EXPORT, distinct: CALLS_PER_EXPORT });
    assert.deepEqual(await storedCalls(svc, [poison]), { calls: 0, distinct: 0 });
    const metrics = await (await api(svc, '/metrics')).text();
    assert.match(metrics, /spanledger_spool_bytes 0\n/, 'nothing refused for good is spooled');
  } finally {
    await svc.stop();
  }
});

test('an export with some spans storage refuses for good stores the rest and answers partial success naming them', async () => {
  const svc = await startTestService();
  try {
    const db = svc.cfg.ledger.database;
    await svc.service.storage.client.command({ query: `ALTER TABLE ${db}.llm_calls ADD CONSTRAINT no_poison_model CHECK request_model != 'poison-model'` });
    const traceId = newTraceId();
    const chat = (model: string) => ({ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': model, 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10 } });
    // 10 calls, the 3rd and 8th refused by the table's rule; plus one span that is no call.
    const spans = Array.from({ length: 10 }, (_, i) => chat(i === 2 || i === 7 ? 'poison-model' : 'gpt-4o-mini'));
    spans.push({ traceId, spanId: newSpanId(), name: 'GET /search', attributes: { 'http.request.method': 'GET' } } as never);
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, { method: 'POST', body: encodeRequest(spans), headers: { 'content-type': 'application/x-protobuf' } });
    assert.equal(res.status, 200, 'the good spans are stored: acknowledged with partial success');
    const body = new Uint8Array(await res.arrayBuffer());
    const partial = decodeResponse(body).partial_success;
    assert.equal(Number(partial?.rejected_spans), 2);
    assert.match(partial?.error_message ?? '', /^2 spans rejected; first: refused by storage for good: .*VIOLATED_CONSTRAINT/);
    const [calls] = await svc.rows<{ n: number; poison: number }>(
      "SELECT count() AS n, countIf(request_model = 'poison-model') AS poison FROM llm_calls FINAL WHERE trace_id = {t:String}",
      { t: traceId },
    );
    assert.deepEqual(calls, { n: 8, poison: 0 }, 'the eight good calls are billed, the refused ones not');
    const [stored] = await svc.rows<{ n: number }>("SELECT count() AS n FROM spans FINAL WHERE trace_id = {t:String} AND name = 'GET /search'", { t: traceId });
    assert.equal(stored!.n, 1, 'the span that is no call is stored too');
    const metrics = await (await api(svc, '/metrics')).text();
    assert.match(metrics, /spanledger_spans_rejected_total\{[^}]*reason="storage_refused"[^}]*\} 2\n/);
    assert.match(metrics, /spanledger_spool_bytes 0\n/, 'nothing refused for good is spooled');
  } finally {
    await svc.stop();
  }
});

test('a spooled export storage refuses for good at replay becomes a dead letter, replay goes on behind it, and an admin replay stores it once the cause is fixed', async () => {
  const svc = await startTestService();
  try {
    const db = svc.cfg.ledger.database;
    const admin = svc.service.storage.client;
    await admin.command({ query: `RENAME TABLE ${db}.llm_calls TO ${db}.llm_calls_away` });
    // Acknowledged from the spool while storage refuses: good, poison, good.
    const before = [newTraceId(), newTraceId()];
    const poison = newTraceId();
    const after = [newTraceId(), newTraceId()];
    for (const t of before) assert.equal((await send(svc, t)).status, 200);
    assert.equal((await send(svc, poison, 'poison-sender')).status, 200);
    for (const t of after) assert.equal((await send(svc, t)).status, 200);
    assert.equal(await svc.service.writer.drainSpool(), 0, 'storage still refuses: nothing replayed');
    // While away, the table gains a rule the poison export breaks; then storage returns.
    await admin.command({ query: `ALTER TABLE ${db}.llm_calls_away ADD CONSTRAINT no_poison CHECK service_name != 'poison-sender'` });
    await admin.command({ query: `RENAME TABLE ${db}.llm_calls_away TO ${db}.llm_calls` });
    assert.equal(await svc.service.writer.drainSpool(), 5, 'every spooled record was taken: four stored, one set aside');
    assert.deepEqual(await storedCalls(svc, [...before, ...after]), { calls: 4 * CALLS_PER_EXPORT, distinct: 4 * CALLS_PER_EXPORT }, 'the exports behind the bad one are stored');

    assert.equal((await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/admin/dead-letters`)).status, 401, 'the list needs the admin token');
    const listed = (await (await api(svc, '/v1/admin/dead-letters')).json()) as { count: number; dead_letters: { id: string; reason: string; calls: number; spans: number }[] };
    assert.equal(listed.count, 1);
    const [letter] = listed.dead_letters;
    assert.equal(letter!.calls, CALLS_PER_EXPORT);
    assert.equal(letter!.spans, CALLS_PER_EXPORT);
    assert.match(letter!.reason, /VIOLATED_CONSTRAINT/);
    let metrics = await (await api(svc, '/metrics')).text();
    assert.match(metrics, /spanledger_dead_letters 1\n/);
    assert.match(metrics, /spanledger_dead_lettered_exports_total 1\n/);
    assert.match(metrics, /spanledger_spool_replay_failures_total [1-9]/, 'the refused replay was counted');
    assert.match(metrics, /spanledger_spool_bytes 0\n/, 'the spool drained past the bad record');

    // Replaying while the cause stands keeps it, with the reason.
    let replay = (await (await api(svc, '/v1/admin/dead-letters/replay', { method: 'POST', body: '{}' })).json()) as { replayed: string[]; refused: { id: string; reason: string }[] };
    assert.deepEqual(replay.replayed, []);
    assert.equal(replay.refused[0]!.id, letter!.id);
    assert.match(replay.refused[0]!.reason, /VIOLATED_CONSTRAINT/);
    const bad = await api(svc, '/v1/admin/dead-letters/replay', { method: 'POST', body: JSON.stringify({ ids: ['nope'] }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /^ids\.0: must be a dead-letter id/);

    await admin.command({ query: `ALTER TABLE ${db}.llm_calls DROP CONSTRAINT no_poison` });
    replay = (await (await api(svc, '/v1/admin/dead-letters/replay', { method: 'POST', body: JSON.stringify({ ids: [letter!.id] }) })).json()) as typeof replay;
    assert.deepEqual(replay, { replayed: [letter!.id], refused: [] });
    assert.equal(((await (await api(svc, '/v1/admin/dead-letters')).json()) as { count: number }).count, 0);
    assert.deepEqual(await storedCalls(svc, [...before, poison, ...after]), { calls: 5 * CALLS_PER_EXPORT, distinct: 5 * CALLS_PER_EXPORT }, 'every acknowledged call is stored exactly once');
    metrics = await (await api(svc, '/metrics')).text();
    assert.match(metrics, /spanledger_dead_letters 0\n/);
  } finally {
    await svc.stop();
  }
});
