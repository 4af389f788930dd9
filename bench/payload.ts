import { randomBytes } from 'node:crypto';
import { loadOtlpRoot } from '../src/receiver';

const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'gemini-2.5-pro', 'o3'];

/**
 * A realistic OTLP/protobuf export: `spans` GenAI client spans (about 20 attributes each,
 * the mix an OTel GenAI instrumentation emits) from one service, fresh ids every call.
 */
export function genAiPayload(spans: number): Buffer {
  const root = loadOtlpRoot();
  const Request = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  const now = BigInt(Date.now()) * 1_000_000n;
  const kv = (key: string, v: string | number) => ({ key, value: typeof v === 'number' ? { int_value: v } : { string_value: v } });
  const list = [];
  for (let i = 0; i < spans; i++) {
    const model = MODELS[i % MODELS.length]!;
    list.push({
      trace_id: randomBytes(16),
      span_id: randomBytes(8),
      parent_span_id: randomBytes(8),
      name: `chat ${model}`,
      kind: 3,
      start_time_unix_nano: (now + BigInt(i) * 1000n).toString(),
      end_time_unix_nano: (now + BigInt(i) * 1000n + 850_000_000n).toString(),
      attributes: [
        kv('gen_ai.operation.name', 'chat'),
        kv('gen_ai.provider.name', model.startsWith('claude') ? 'anthropic' : model.startsWith('gemini') ? 'gcp.gemini' : 'openai'),
        kv('gen_ai.request.model', model),
        kv('gen_ai.response.model', `${model}-2025-08-01`),
        kv('gen_ai.response.id', `chatcmpl-${randomBytes(12).toString('hex')}`),
        kv('gen_ai.request.max_tokens', 1024),
        kv('gen_ai.request.temperature', '0.2'),
        kv('gen_ai.usage.input_tokens', 1200 + i),
        kv('gen_ai.usage.output_tokens', 300 + (i % 50)),
        kv('gen_ai.usage.cache_read.input_tokens', 800),
        kv('gen_ai.usage.reasoning.output_tokens', i % 3 === 0 ? 120 : 0),
        kv('gen_ai.response.finish_reasons', '["stop"]'),
        kv('gen_ai.conversation.id', `conv-${i % 64}`),
        kv('user.id', `user-${i % 500}`),
        kv('server.address', 'api.openai.com'),
        kv('server.port', 443),
        kv('http.response.status_code', 200),
        kv('feature', 'summarize'),
        kv('retry.attempt', 0),
        kv('app.request_id', randomBytes(8).toString('hex')),
      ],
      status: { code: 1 },
    });
  }
  const msg = {
    resource_spans: [
      {
        resource: { attributes: [kv('service.name', 'search-api'), kv('service.version', '4.2.0'), kv('deployment.environment.name', 'prod'), kv('k8s.namespace.name', 'search')] },
        scope_spans: [{ scope: { name: 'opentelemetry.instrumentation.openai', version: '0.40.0' }, spans: list }],
      },
    ],
  };
  return Buffer.from(Request.encode(Request.fromObject(msg)).finish());
}
