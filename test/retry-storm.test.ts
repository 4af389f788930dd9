import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { startTestService } from './helpers/test-service';

test('the same batch exported five times concurrently leaves every total unchanged', async () => {
  const svc = await startTestService();
  try {
    const traceId = newTraceId();
    const spans = Array.from({ length: 50 }, (_, i) => ({
      traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 1000 + i, 'gen_ai.usage.output_tokens': 10 },
    }));
    const body = encodeRequest(spans);
    const url = `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
    const statuses = await Promise.all(Array.from({ length: 5 }, () => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } }).then((r) => r.status)));
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    const expectedInput = spans.reduce((s, x) => s + Number(x.attributes['gen_ai.usage.input_tokens']), 0);
    // gpt-4o-mini: 150 nano-USD per input token, 600 per output token.
    const expectedCost = BigInt(expectedInput) * 150n + 50n * 10n * 600n;
    const [totals] = await svc.rows<{ calls: number; input: number; cost: string }>(
      'SELECT count() AS calls, sum(input_tokens) AS input, toString(sum(cost_nano_usd)) AS cost FROM llm_calls FINAL WHERE trace_id = {t:String}',
      { t: traceId },
    );
    assert.deepEqual(totals, { calls: 50, input: expectedInput, cost: expectedCost.toString() });
    await svc.service.resolveMarks();
    const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    const [rollup] = await svc.rows<{ calls: number; cost: string }>(
      'SELECT llm_calls AS calls, toString(cost_nano_usd) AS cost FROM trace_costs(from = {f:String}, to = {t2:String}) WHERE trace_id = {t:String}',
      { t: traceId, f: iso(Date.now() - 3_600_000), t2: iso(Date.now() + 3_600_000) },
    );
    assert.deepEqual(rollup, { calls: 50, cost: expectedCost.toString() });
  } finally {
    await svc.stop();
  }
});
