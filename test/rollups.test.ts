import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeRequest, newSpanId, newTraceId, type RawSpan } from './helpers/payloads';
import { startChatService } from './helpers/chat-service';
import { ADMIN_TOKEN, type TestService } from './helpers/test-service';

// gpt-4o-mini: $0.15 in, $0.60 out per million tokens = 150 and 600 nano-USD per token.
const cost = (input: number, output: number) => BigInt(input * 150 + output * 600);
const usage = (input: number, output: number) => ({
  'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': output,
});

interface Chargeback {
  totals: { billed_nano_usd: string };
  by_team: { team: string; billed_nano_usd: string }[];
  top_routes: { route: string; traces: number; billed_nano_usd: string }[];
}

// Reports read daily rollups that the mark resolver rebuilds for the days it saw change.
// These cases change a day after it was reported on and check the next report follows.
describe('daily rollups follow late spans, duplicates and redeliveries', () => {
  let svc: TestService;
  let otlp: string;
  const day = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  before(async () => {
    ({ svc, otlp } = await startChatService(['web']));
  });
  after(async () => {
    await svc.stop();
  });

  const send = async (token: string, spans: RawSpan[], service: string) => {
    const res = await fetch(otlp, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` }, body: encodeRequest(spans, service) });
    assert.equal(res.status, 200);
  };
  const report = async (): Promise<Chargeback> => {
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/reports/chargeback?from=${day}&to=${tomorrow}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 200);
    return (await res.json()) as Chargeback;
  };
  // The live view computes the same figures from every call at query time.
  const live = async () => {
    const [r] = await svc.rows<{ calls: string; duplicates: string; cost: string }>(
      'SELECT toString(sum(llm_calls)) AS calls, toString(sum(duplicates)) AS duplicates, toString(sum(cost_nano_usd)) AS cost FROM daily_costs(from = {from:String}, to = {to:String})',
      { from: `${day} 00:00:00`, to: `${tomorrow} 00:00:00` },
    );
    return r!;
  };
  const rollup = async () => {
    const [r] = await svc.rows<{ calls: string; duplicates: string; cost: string }>(
      'SELECT toString(sum(llm_calls)) AS calls, toString(sum(duplicates)) AS duplicates, toString(sum(cost_nano_usd)) AS cost FROM rollup_daily_costs FINAL WHERE day = {d:Date}',
      { d: day },
    );
    return r!;
  };

  test('a late duplicate, a redelivered span and a late root span each change the next report exactly', async () => {
    const traceId = newTraceId();
    const rootId = newSpanId();
    const sdkSpan = newSpanId();
    const other = newSpanId();
    await send('tok-web', [
      { traceId, spanId: sdkSpan, parentSpanId: rootId, name: 'chat gpt-4o-mini', attributes: usage(4000, 250) },
      { traceId, spanId: other, parentSpanId: rootId, name: 'chat gpt-4o-mini', attributes: usage(1000, 100) },
    ], 'web');
    let cb = await report();
    assert.equal(cb.totals.billed_nano_usd, String(cost(4000, 250) + cost(1000, 100)));
    assert.deepEqual(cb.top_routes.map((r) => [r.route, r.traces, r.billed_nano_usd]), [['(no root span)', 1, String(cost(4000, 250) + cost(1000, 100))]]);

    // The gateway reports the first call again: it wins, the SDK span becomes a duplicate.
    await send('tok-gateway', [{ traceId, spanId: newSpanId(), parentSpanId: sdkSpan, name: 'litellm_request', attributes: { ...usage(4000, 250), 'spanledger.tenant.id': 'chat' } }], 'gateway');
    // An SDK retry delivers the second call's span a second time.
    await send('tok-web', [{ traceId, spanId: other, parentSpanId: rootId, name: 'chat gpt-4o-mini', attributes: usage(1000, 100) }], 'web');
    cb = await report();
    assert.equal(cb.totals.billed_nano_usd, String(cost(4000, 250) + cost(1000, 100)), 'billed once despite the duplicate and the redelivery');
    assert.deepEqual(await rollup(), await live());
    assert.equal((await rollup()).duplicates, '1');

    // The root span ends last and arrives after the calls: their cost moves to its route.
    await send('tok-web', [{ traceId, spanId: rootId, name: 'POST /chat', attributes: { 'http.route': '/chat' } }], 'web');
    cb = await report();
    assert.deepEqual(cb.top_routes.map((r) => [r.route, r.traces, r.billed_nano_usd]), [['POST /chat', 1, String(cost(4000, 250) + cost(1000, 100))]]);

    // A second trace on the same route: one more trace, its cost added.
    const second = newTraceId();
    const secondRoot = newSpanId();
    await send('tok-web', [
      { traceId: second, spanId: secondRoot, name: 'POST /chat', attributes: {} },
      { traceId: second, spanId: newSpanId(), parentSpanId: secondRoot, name: 'chat gpt-4o-mini', attributes: usage(2000, 0) },
    ], 'web');
    cb = await report();
    assert.deepEqual(cb.top_routes.map((r) => [r.route, r.traces, r.billed_nano_usd]), [['POST /chat', 2, String(cost(4000, 250) + cost(1000, 100) + cost(2000, 0))]]);
    assert.deepEqual(cb.by_team.map((t) => [t.team, t.billed_nano_usd]), [['assistant', String(cost(4000, 250) + cost(1000, 100) + cost(2000, 0))]]);
    assert.deepEqual(await rollup(), await live());
  });

  test('a row that becomes visible late, stamped before the watermark, still reaches the rollups', async () => {
    await svc.service.resolveMarks();
    assert.equal((await svc.service.resolveMarks()).daysRebuilt, 0);
    const before = await rollup();
    // What an insert that committed after the last pass looks like: ingested (stamped) a
    // moment before the watermark, visible only now.
    const [state] = await svc.rows<{ w: string }>("SELECT toString(watermark) AS w FROM resolver_state FINAL WHERE name = 'daily_rollups'");
    const stamped = new Date(Date.parse(`${state!.w.replace(' ', 'T')}Z`) - 1000).toISOString().replace('T', ' ').replace('Z', '');
    const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
    await svc.service.storage.client.insert({
      table: `${svc.cfg.ledger.database}.llm_calls`,
      format: 'JSONEachRow',
      values: [{ timestamp: now, end_timestamp: now, trace_id: newTraceId(), span_id: newSpanId(), tenant: 'chat', team: 'assistant', cost_nano_usd: '12345', pricing_status: 'priced', ingested_at: stamped }],
    });
    assert.equal((await svc.service.resolveMarks()).daysRebuilt, 1);
    const after = await rollup();
    assert.equal(BigInt(after.cost) - BigInt(before.cost), 12345n);
    assert.deepEqual(after, await live());
  });

  test('a resolver pass with nothing new rebuilds nothing; one after new calls rebuilds their day only', async () => {
    await svc.service.resolveMarks();
    assert.equal((await svc.service.resolveMarks()).daysRebuilt, 0);
    await send('tok-web', [{ traceId: newTraceId(), spanId: newSpanId(), name: 'chat gpt-4o-mini', attributes: usage(10, 10) }], 'web');
    assert.equal((await svc.service.resolveMarks()).daysRebuilt, 1);
  });
});
