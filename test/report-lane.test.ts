import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { ADMIN_TOKEN, startTestService, type TestService } from './helpers/test-service';

// Report, drill-down and session requests read the ledger on the engine threads the inserts
// share: a flood of them runs `reports.maxConcurrentRequests` at a time, queues
// `maxQueuedRequests`, and the rest get 503 with Retry-After, instead of all running at once.
let svc: TestService;
let api: string;
before(async () => {
  svc = await startTestService({ reports: { maxConcurrentRequests: 1, maxQueuedRequests: 2 }, ledger: { resolveIntervalMs: 3_600_000 } });
  api = `http://127.0.0.1:${svc.service.ports.api}`;
  const spans = Array.from({ length: 20 }, () => ({
    traceId: newTraceId(), spanId: newSpanId(), name: 'chat gpt-4o-mini',
    attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 10 },
  }));
  const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeRequest(spans, 'web') });
  assert.equal(res.status, 200);
});
after(async () => {
  await svc.stop();
});

const get = (path: string) => fetch(`${api}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

test('a flood of report and drill-down requests: one runs at a time, two wait, the rest get 503 with Retry-After', async () => {
  const paths = ['/v1/reports/chargeback', '/v1/reports/audit', '/v1/sessions', '/v1/reports/focus', `/v1/traces/${'a'.repeat(32)}/cost`];
  const answers = await Promise.all(Array.from({ length: 40 }, async (_v, i) => {
    const res = await get(paths[i % paths.length]!);
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error?: string; code?: string } };
  }));
  const refused = answers.filter((a) => a.status === 503);
  const served = answers.filter((a) => a.status !== 503);
  assert.ok(refused.length >= 20, `most of 40 simultaneous requests are refused with one running and two queued: ${refused.length} were`);
  assert.ok(served.length >= 3, `the running one and the queued ones are served: ${served.length}`);
  for (const a of served) assert.ok(a.status === 200 || (a.status === 404 && a.body.code === 'SPANLEDGER_NOT_FOUND'), JSON.stringify(a));
  for (const a of refused) {
    assert.equal(a.retryAfter, '1');
    assert.equal(a.body.code, 'SPANLEDGER_UNAVAILABLE');
    assert.match(a.body.error ?? '', /^the queue is full: at most 1 report and drill-down requests run at once \(reports\.maxConcurrentRequests\); try again shortly$/);
  }
  // Nothing is left holding the slot.
  const res = await get('/v1/reports/chargeback');
  assert.equal(res.status, 200);
  const cb = (await res.json()) as { unallocated: { calls: number } };
  assert.equal(Number(cb.unallocated.calls), 20);
});

test('a bad parameter is refused before the request takes a place in the lane', async () => {
  const answers = await Promise.all(Array.from({ length: 20 }, () => get('/v1/reports/chargeback?period=2026-13')));
  for (const a of answers) assert.equal(a.status, 400);
  await Promise.all(answers.map((a) => a.arrayBuffer()));
});
