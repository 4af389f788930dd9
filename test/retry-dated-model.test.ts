import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeRequest, newSpanId, newTraceId, type RawSpan } from './helpers/payloads';
import { ADMIN_TOKEN, startTestService, type TestService } from './helpers/test-service';

// gpt-4o-2024-08-06: $2.50 in, $10 out per million: 1000 in + 100 out = 2,500,000 + 1,000,000.
const RETRY_COST = '3500000';

describe('a retry whose response names the dated model is marked in the live view, the marks and the rollups', () => {
  let svc: TestService;
  const traceId = newTraceId();
  const root = newSpanId();
  const retry = newSpanId();
  const other = newSpanId();
  before(async () => {
    svc = await startTestService();
    const at = (ms: number) => BigInt(ms) * 1_000_000n;
    const now = Date.now();
    const llm = (spanId: string, startMs: number, attrs: Record<string, string | number>): RawSpan => ({
      traceId, spanId, parentSpanId: root, name: 'chat gpt-4o', startUnixNano: at(startMs),
      attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', ...attrs },
    });
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/x-protobuf' },
      body: encodeRequest([
        { traceId, spanId: root, name: 'POST /answer', attributes: {}, startUnixNano: at(now - 20_000) },
        // The failed attempt: only the request model, no usage (the SDK threw on a 500).
        llm(newSpanId(), now - 10_000, { 'gen_ai.request.model': 'gpt-4o', 'error.type': '500', 'http.response.status_code': 500 }),
        // Its retry five seconds later, answered by the dated model.
        llm(retry, now - 5_000, { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o-2024-08-06', 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 100 }),
        // Another model family after the failure is not a retry of it.
        llm(other, now - 4_000, { 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 1 }),
      ]),
    });
    assert.equal(res.status, 200);
    await svc.service.resolveMarks();
  });
  after(async () => {
    await svc?.stop();
  });

  test('the trace drill-down (live rules) marks the retry, only it', async () => {
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/traces/${traceId}/cost`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { totals: { retries: string; retry_cost_nano_usd: string }; root: { children: { span_id: string; llm: { is_retry: number } | null }[] } };
    const marked = body.root.children.filter((c) => c.llm?.is_retry === 1).map((c) => c.span_id);
    assert.deepEqual(marked, [retry]);
    assert.equal(body.totals.retries, '1');
    assert.equal(body.totals.retry_cost_nano_usd, RETRY_COST);
  });

  test('the mark resolver stored the mark, and the daily rollup and the FOCUS export count the retry cost', async () => {
    const marks = await svc.rows<{ span_id: string }>('SELECT span_id FROM call_marks FINAL WHERE trace_id = {t:String} AND is_retry = 1', { t: traceId });
    assert.deepEqual(marks.map((m) => m.span_id), [retry]);
    const [rollup] = await svc.rows<{ retries: string; retry_cost: string }>(
      "SELECT toString(sum(retries)) AS retries, toString(sum(retry_cost_nano_usd)) AS retry_cost FROM rollup_daily_costs FINAL WHERE day = today()");
    assert.deepEqual(rollup, { retries: '1', retry_cost: RETRY_COST });
    const day = new Date().toISOString().slice(0, 10);
    const next = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/reports/focus?from=${day}&to=${next}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const rows = (await res.json()) as { x_RetryCost: string }[];
    assert.deepEqual(rows.map((r) => r.x_RetryCost).filter((c) => c !== '0.000000000'), ['0.003500000']);
  });
});
