import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { ADMIN_TOKEN, startTestService, type TestService } from './helpers/test-service';

// Reports run a resolver pass first, so they hold every call committed before the request.
// `max_staleness_s=N` lets a reader (the console) take the last pass instead when it started
// at most N seconds ago; `x-spanledger-resolved-at` says when the pass read started.
let svc: TestService;
let api: string;
let otlp: string;
before(async () => {
  // No periodic passes: the test decides when one runs.
  svc = await startTestService({ ledger: { resolveIntervalMs: 3_600_000 } });
  api = `http://127.0.0.1:${svc.service.ports.api}`;
  otlp = `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
});
after(async () => {
  await svc.stop();
});

const send = async () => {
  const span = {
    traceId: newTraceId(), spanId: newSpanId(), name: 'chat gpt-4o-mini',
    attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 10 },
  };
  const res = await fetch(otlp, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeRequest([span], 'web') });
  assert.equal(res.status, 200);
};
const get = (path: string) => fetch(`${api}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
const chargeback = async (query = '') => {
  const res = await get(`/v1/reports/chargeback${query}`);
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { unallocated: { calls: number; billed_nano_usd: string } };
  return { calls: Number(body.unallocated.calls), billed: body.unallocated.billed_nano_usd, resolvedAt: res.headers.get('x-spanledger-resolved-at') };
};

test('a reader accepting staleness joins a pass that started recently enough instead of queuing another', async () => {
  // No pass has finished in this process yet: the one running is the recent one.
  await send();
  const running = svc.service.resolveMarks();
  const res = await get('/v1/sessions?max_staleness_s=600');
  assert.equal(res.status, 200);
  const report = await running;
  assert.equal(res.headers.get('x-spanledger-resolved-at'), report.startedAt, 'it answered from the running pass');
});

test('a report with max_staleness_s answers from the last pass while it is recent enough; without it, from a fresh pass', async () => {
  await send();
  const first = await chargeback();
  assert.equal(first.calls, 2);
  assert.match(first.resolvedAt ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'the pass read is named');
  assert.ok(Date.now() - Date.parse(first.resolvedAt!) < 60_000);

  await send();
  const stale = await chargeback('?max_staleness_s=600');
  assert.equal(stale.resolvedAt, first.resolvedAt, 'the last pass is accepted: no new one ran');
  assert.deepEqual([stale.calls, stale.billed], [first.calls, first.billed], 'its figures are that pass\'s, exactly');
  const sessions = await get('/v1/sessions?max_staleness_s=600');
  assert.equal(sessions.status, 200);
  assert.equal(sessions.headers.get('x-spanledger-resolved-at'), first.resolvedAt, 'the session routes accept it too');

  const fresh = await chargeback();
  assert.equal(fresh.calls, 3, 'without max_staleness_s the report runs a pass and holds the new call');
  assert.ok(fresh.resolvedAt! > first.resolvedAt!, 'and names the newer pass');
  assert.equal(BigInt(fresh.billed) * 2n, 3n * BigInt(first.billed), 'the new call costs what each earlier one did, to the nano-USD');

  await send();
  const zero = await chargeback('?max_staleness_s=0');
  assert.equal(zero.calls, 4, 'max_staleness_s=0 is a fresh pass');
  const csv = await get('/v1/reports/chargeback?format=csv&max_staleness_s=600');
  assert.equal(csv.headers.get('x-spanledger-resolved-at'), zero.resolvedAt, 'CSV answers name their pass too');
  // A report is for one caller, now: no proxy or browser cache keeps it.
  for (const res of [csv, sessions]) assert.equal(res.headers.get('cache-control'), 'no-store');
});

test('a pass older than max_staleness_s is not accepted', async () => {
  await send();
  const before0 = await chargeback();
  await new Promise((r) => setTimeout(r, 1100));
  await send();
  const after1 = await chargeback('?max_staleness_s=1');
  assert.ok(after1.resolvedAt! > before0.resolvedAt!, 'the last pass started over a second ago: a new one ran');
  assert.equal(after1.calls, before0.calls + 1);
});

test('max_staleness_s must be a whole number of seconds up to an hour', async () => {
  for (const bad of ['abc', '-1', '1.5', '3601', '1e3', '99999999']) {
    const res = await get(`/v1/reports/chargeback?max_staleness_s=${bad}`);
    assert.equal(res.status, 400, bad);
    const body = (await res.json()) as { error: string };
    assert.match(body.error, /max_staleness_s must be a whole number of seconds from 0 to 3600/, bad);
    const s = await get(`/v1/sessions?max_staleness_s=${bad}`);
    assert.equal(s.status, 400, `sessions ${bad}`);
  }
});
