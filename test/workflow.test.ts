import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { startChatService } from './helpers/chat-service';
import { ADMIN_TOKEN, type TestService } from './helpers/test-service';

// gpt-4o-mini: $0.15 in, $0.60 out per million tokens = 150 and 600 nano-USD per token.
const cost = (input: number, output: number) => input * 150 + output * 600;

function service(name: string): { provider: BasicTracerProvider; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': name }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { provider, exporter };
}

describe('workflow costs: from a user action to every LLM call it caused', () => {
  let svc: TestService;
  let otlp: string;
  before(async () => {
    ({ svc, otlp } = await startChatService(['web', 'worker']));
  });
  after(async () => {
    await svc.stop();
  });

  const exportAs = (token: string, spans: ReadableSpan[]) =>
    new Promise<void>((resolve, reject) => {
      const exporter = new OTLPTraceExporter({ url: otlp, headers: { authorization: `Bearer ${token}` } });
      exporter.export(spans, (r) => (r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error)));
    });
  const period = () => {
    const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    return { from: iso(Date.now() - 3_600_000), to: iso(Date.now() + 3_600_000) };
  };

  test('two services, a tool span, three LLM calls (one failed and retried), exported out of order', async () => {
    const web = service('web');
    const worker = service('agent-worker');
    const root = web.provider.getTracer('web').startSpan('POST /chat', { kind: SpanKind.SERVER });
    const rootCtx = trace.setSpan(context.active(), root);
    const tool = worker.provider.getTracer('worker').startSpan('execute_tool search', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.request.model': 'gpt-4o-mini' } }, rootCtx);
    tool.end();
    const llm = (input: number, output: number, failed: boolean) => {
      const span = worker.provider.getTracer('worker').startSpan('chat gpt-4o-mini', {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.conversation.id': 'sess-42',
          'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': output, ...(failed ? { 'error.type': '429', 'http.response.status_code': 429 } : {}),
        },
      }, rootCtx);
      if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
      span.end();
      return span.spanContext().spanId;
    };
    llm(1000, 100, false);
    await new Promise((r) => setTimeout(r, 5));
    const failedId = llm(500, 0, true);
    // The client backs off before retrying.
    await new Promise((r) => setTimeout(r, 5));
    const retryId = llm(500, 200, false);
    root.end();
    const workerSpans = worker.exporter.getFinishedSpans();
    // Out of order and across exports: the retry first, then the root, then the rest.
    await exportAs('tok-worker', workerSpans.filter((s) => s.spanContext().spanId === retryId));
    await exportAs('tok-web', web.exporter.getFinishedSpans());
    await exportAs('tok-worker', workerSpans.filter((s) => s.spanContext().spanId !== retryId));

    const traceId = root.spanContext().traceId;
    await svc.service.resolveMarks();
    const { from, to } = period();
    const [t] = await svc.rows<Record<string, unknown>>(
      `SELECT llm_calls, retries, failed_calls, toString(cost_nano_usd) AS cost, toString(failed_cost_nano_usd) AS failed_cost,
         toString(retry_cost_nano_usd) AS retry_cost, input_tokens, output_tokens, root_name, root_service, trace_team, trace_feature
       FROM trace_costs(from = {from:String}, to = {to:String}) WHERE trace_id = {t:String}`,
      { from, to, t: traceId },
    );
    const total = cost(1000, 100) + cost(500, 0) + cost(500, 200);
    assert.deepEqual(t, {
      llm_calls: 3, retries: 1, failed_calls: 1, cost: String(total), failed_cost: String(cost(500, 0)), retry_cost: String(cost(500, 200)),
      input_tokens: 2000, output_tokens: 300, root_name: 'POST /chat', root_service: 'web', trace_team: 'assistant', trace_feature: 'chat',
    });
    const marks = await svc.rows<{ span_id: string; is_retry: number; is_failed: number }>(
      'SELECT span_id, is_retry, is_failed FROM trace_calls_resolved(trace = {t:String}) WHERE is_retry OR is_failed ORDER BY span_id',
      { t: traceId },
    );
    assert.deepEqual(marks.sort((a, b) => a.span_id.localeCompare(b.span_id)), [
      { span_id: failedId, is_retry: 0, is_failed: 1 },
      { span_id: retryId, is_retry: 1, is_failed: 0 },
    ].sort((a, b) => a.span_id.localeCompare(b.span_id)));

    const [s] = await svc.rows<Record<string, unknown>>(
      `SELECT llm_calls, traces, toString(cost_nano_usd) AS cost, toString(failed_cost_nano_usd) AS failed_cost, retries
       FROM session_costs(from = {from:String}, to = {to:String}) WHERE session_id = 'sess-42'`,
      { from, to },
    );
    assert.deepEqual(s, { llm_calls: 3, traces: 1, cost: String(total), failed_cost: String(cost(500, 0)), retries: 1 });

    // The JSON API gives the same totals and the tree from the user action down.
    const api = `http://127.0.0.1:${svc.service.ports.api}`;
    const tr = (await (await fetch(`${api}/v1/traces/${traceId}/cost`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
      totals: Record<string, string>;
      root: { name: string; service: string; subtree_cost_nano_usd: string; children: { name: string; llm: unknown }[] };
    };
    assert.equal(tr.totals.cost_nano_usd, String(total));
    assert.equal(tr.totals.retries, '1');
    assert.equal(tr.root.name, 'POST /chat');
    assert.equal(tr.root.subtree_cost_nano_usd, String(total));
    assert.equal(tr.root.children.length, 4);
    assert.equal(tr.root.children.filter((c) => c.llm !== null).length, 3);
    const se = (await (await fetch(`${api}/v1/sessions/sess-42/cost`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { totals: Record<string, string>; traces: { trace_id: string; cost_nano_usd: string }[] };
    assert.equal(se.totals.cost_nano_usd, String(total));
    assert.deepEqual(se.traces.map((x) => [x.trace_id, x.cost_nano_usd]), [[traceId, String(total)]]);
    assert.equal((await fetch(`${api}/v1/traces/${traceId}/cost`)).status, 401);
  });

  test('an SDK span and a gateway span for the same call: billed once, the duplicate points at the billing record', async () => {
    const traceId = newTraceId();
    const sdkSpan = newSpanId();
    const gatewaySpan = newSpanId();
    const usage = { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 4000, 'gen_ai.usage.output_tokens': 250 };
    await fetch(otlp, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer tok-gateway' }, body: encodeRequest([{ traceId, spanId: gatewaySpan, parentSpanId: sdkSpan, name: 'litellm_request', attributes: { ...usage, 'spanledger.tenant.id': 'chat', 'gen_ai.response.model': 'gpt-4o-mini' } }], 'gateway') });
    // The resolver runs between the two reports: the late SDK span must still be caught.
    await svc.service.resolveMarks();
    await fetch(otlp, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer tok-worker' }, body: encodeRequest([{ traceId, spanId: sdkSpan, name: 'chat gpt-4o-mini', attributes: usage }], 'agent-worker') });
    const resolved = await svc.rows('SELECT span_id, sender_kind, is_duplicate, duplicate_of, toString(billed_nano_usd) AS billed FROM trace_calls_resolved(trace = {t:String}) ORDER BY sender_kind', { t: traceId });
    assert.deepEqual(resolved, [
      { span_id: gatewaySpan, sender_kind: 'gateway', is_duplicate: 0, duplicate_of: '', billed: String(cost(4000, 250)) },
      { span_id: sdkSpan, sender_kind: 'service', is_duplicate: 1, duplicate_of: gatewaySpan, billed: '0' },
    ]);
    await svc.service.resolveMarks();
    const { from, to } = period();
    const [t] = await svc.rows('SELECT llm_calls, duplicates, toString(cost_nano_usd) AS cost FROM trace_costs(from = {from:String}, to = {to:String}) WHERE trace_id = {t:String}', { from, to, t: traceId });
    assert.deepEqual(t, { llm_calls: 1, duplicates: 1, cost: String(cost(4000, 250)) });
    const [d] = await svc.rows<{ duplicates: string; cost: string }>(
      "SELECT toString(sum(duplicates)) AS duplicates, toString(sum(cost_nano_usd)) AS cost FROM daily_costs(from = {from:String}, to = {to:String}) WHERE team = 'assistant'",
      { from, to },
    );
    assert.equal(d?.duplicates, '1');
    assert.equal(d?.cost, String(cost(1000, 100) + cost(500, 0) + cost(500, 200) + cost(4000, 250)));
  });
});
