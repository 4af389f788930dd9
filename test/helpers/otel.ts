import { SpanKind, SpanStatusCode, context, trace, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';

/** One GenAI trace as an instrumented app would emit it: a server span and an LLM call under it. */
export interface EmittedTrace {
  traceId: string;
  rootSpanId: string;
  llmSpanId: string;
}

/** A real SDK tracer provider exporting through `exporter`. */
export function providerWith(exporter: SpanExporter, serviceName: string): NodeTracerProvider {
  return new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'deployment.environment.name': 'test' }),
    spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 512, scheduledDelayMillis: 50 })],
  });
}

/**
 * Emits `POST /chat` (server) with a `chat <model>` client span carrying `llm` attributes,
 * and returns the ids. Spans are ended; call `provider.forceFlush()` to send them.
 */
export function emitChatTrace(provider: NodeTracerProvider, llm: Attributes, model = 'gpt-4o'): EmittedTrace {
  const tracer = provider.getTracer('spanledger-test', '1.0.0');
  const root = tracer.startSpan('POST /chat', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST' } });
  const ctx = trace.setSpan(context.active(), root);
  const call = tracer.startSpan(
    `chat ${model}`,
    { kind: SpanKind.CLIENT, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model, ...llm } },
    ctx,
  );
  call.addEvent('gen_ai.choice', { index: 0 });
  call.setStatus({ code: SpanStatusCode.OK });
  call.end();
  root.end();
  return { traceId: root.spanContext().traceId, rootSpanId: root.spanContext().spanId, llmSpanId: call.spanContext().spanId };
}
