import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { emitChatTrace, providerWith } from './helpers/otel';
import { startTestService, type TestService } from './helpers/test-service';

interface CallRow {
  provider: string;
  request_model: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number | null;
  service_name: string;
  deployment_environment: string;
  parent_span_id: string;
  status_code: string;
  convention: string;
}

describe('real OpenTelemetry SDK exporters into the ledger', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => {
    await svc.stop();
  });

  const senders: { name: string; make: (s: TestService) => SpanExporter }[] = [
    { name: 'grpc', make: (s) => new GrpcExporter({ url: `http://127.0.0.1:${s.service.ports.otlpGrpc}` }) },
    { name: 'grpc+gzip', make: (s) => new GrpcExporter({ url: `http://127.0.0.1:${s.service.ports.otlpGrpc}`, compression: 'gzip' as never }) },
    { name: 'http/json', make: (s) => new HttpJsonExporter({ url: `http://127.0.0.1:${s.service.ports.otlpHttp}/v1/traces` }) },
    { name: 'http/json+gzip', make: (s) => new HttpJsonExporter({ url: `http://127.0.0.1:${s.service.ports.otlpHttp}/v1/traces`, compression: 'gzip' as never }) },
    { name: 'http/protobuf', make: (s) => new HttpProtoExporter({ url: `http://127.0.0.1:${s.service.ports.otlpHttp}/v1/traces` }) },
    { name: 'http/protobuf+gzip', make: (s) => new HttpProtoExporter({ url: `http://127.0.0.1:${s.service.ports.otlpHttp}/v1/traces`, compression: 'gzip' as never }) },
  ];

  senders.forEach(({ name, make }, i) => {
    test(`${name}: each LLM call lands once in llm_calls, with its trace's other spans in spans`, async () => {
      const provider = providerWith(make(svc), `svc-${name}`);
      const input = 1000 + i;
      const output = 200 + i;
      const traces = [
        emitChatTrace(provider, { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': output, 'gen_ai.usage.cache_read.input_tokens': 300 }),
        emitChatTrace(provider, { 'gen_ai.provider.name': 'anthropic', 'gen_ai.usage.input_tokens': input * 2, 'gen_ai.usage.output_tokens': output * 2 }, 'claude-sonnet-4'),
      ];
      await provider.forceFlush();
      await provider.shutdown();

      const [first, second] = traces;
      const rows = await svc.rows<CallRow>(
        'SELECT provider, request_model, input_tokens, output_tokens, cache_read_tokens, service_name, deployment_environment, parent_span_id, status_code, convention FROM llm_calls FINAL WHERE trace_id = {t:String}',
        { t: first!.traceId },
      );
      assert.equal(rows.length, 1);
      assert.deepEqual(rows[0], {
        provider: 'openai',
        request_model: 'gpt-4o',
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: 300,
        service_name: `svc-${name}`,
        deployment_environment: 'test',
        parent_span_id: first!.rootSpanId,
        status_code: 'ok',
        convention: 'otel_genai',
      });
      const other = await svc.rows<CallRow>('SELECT provider, request_model, input_tokens, output_tokens FROM llm_calls FINAL WHERE trace_id = {t:String}', { t: second!.traceId });
      assert.deepEqual(other, [{ provider: 'anthropic', request_model: 'claude-sonnet-4', input_tokens: input * 2, output_tokens: output * 2 }]);

      const spans = await svc.rows<{ span_id: string; name: string; kind: string; is_llm_call: number; events: string }>(
        'SELECT span_id, name, kind, is_llm_call, events FROM spans FINAL WHERE trace_id = {t:String} ORDER BY kind',
        { t: first!.traceId },
      );
      assert.deepEqual(
        spans.map((s) => [s.span_id, s.name, s.kind, s.is_llm_call]),
        [
          [first!.llmSpanId, 'chat gpt-4o', 'client', 1],
          [first!.rootSpanId, 'POST /chat', 'server', 0],
        ],
      );
      assert.equal((JSON.parse(spans[0]!.events) as { name: string }[])[0]!.name, 'gen_ai.choice');
    });
  });

  test('metrics count what was received and written', async () => {
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.api}/metrics`);
    const text = await res.text();
    const grpc = Number(/spanledger_spans_received_total\{transport="grpc"\} (\d+)/.exec(text)?.[1]);
    const http = Number(/spanledger_spans_received_total\{transport="http"\} (\d+)/.exec(text)?.[1]);
    // Two exporters per transport family ran above, each sending 2 traces of 2 spans.
    assert.equal(grpc, 8);
    assert.equal(http, 16);
    assert.match(text, /spanledger_rows_written_total\{table="llm_calls"\} 12/);
  });
});
