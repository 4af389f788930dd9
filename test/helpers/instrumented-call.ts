import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { startOpenAiStub } from './openai-stub';
import { startTestService } from './test-service';

/** What one instrumented call left in the ledger. */
export interface InstrumentedResult {
  calls: Record<string, unknown>[];
  spans: { name: string; is_llm_call: number }[];
  stubRequests: number;
}

/**
 * Runs one real LLM client call against the local OpenAI-compatible stub with a real
 * instrumentation enabled, exports the spans with the real OTLP/HTTP protobuf exporter to
 * a running spanledger, and returns what the ledger holds. `instrument` must enable the
 * instrumentation before `call` requires the client library (instrumentations patch on require).
 */
export async function runInstrumentedCall(
  instrument: (provider: NodeTracerProvider) => void,
  call: (baseUrl: string) => Promise<void>,
): Promise<InstrumentedResult> {
  const stub = await startOpenAiStub();
  const svc = await startTestService();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'instrumented-app' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces` }), { scheduledDelayMillis: 50 })],
  });
  provider.register();
  try {
    instrument(provider);
    await call(stub.baseUrl);
    await provider.forceFlush();
    const calls = await svc.rows(
      `SELECT convention, provider, request_model, response_model, input_tokens, output_tokens, cache_read_tokens, reasoning_tokens,
         toString(cost_nano_usd) AS cost_nano_usd, pricing_status, session_id, user_id FROM llm_calls FINAL`,
    );
    const spans = await svc.rows<{ name: string; is_llm_call: number }>('SELECT name, is_llm_call FROM spans FINAL ORDER BY name');
    return { calls, spans, stubRequests: stub.requests };
  } finally {
    await provider.shutdown();
    await svc.stop();
    await stub.close();
  }
}

/** An OpenAI instrumentation as the three OpenAI-instrumentation packages shape it. */
interface OpenAiInstrumentation {
  setTracerProvider(provider: NodeTracerProvider): void;
  enable(): void;
}

/**
 * One `openai` chat completion (gpt-4o-mini) with `make()`'s instrumentation enabled first;
 * `openai` is required afterwards because instrumentations patch it on require.
 */
export function runOpenAiInstrumented(make: () => OpenAiInstrumentation): Promise<InstrumentedResult> {
  return runInstrumentedCall(
    (provider) => {
      const inst = make();
      inst.setTracerProvider(provider);
      inst.enable();
    },
    async (baseURL) => {
      const { default: OpenAI } = require('openai') as typeof import('openai');
      await new OpenAI({ baseURL, apiKey: 'test' }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    },
  );
}
