import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes, LlmCall, SpanRecord } from '../pipeline';
import { defaultMappers, emptyReport, normalizeModelId, canonicalProvider } from './index';
import { createNormalizer } from './registry';
import { isContentAttribute } from './content-attributes';

function span(attributes: Attributes, extra: Partial<SpanRecord> = {}): SpanRecord {
  return {
    traceId: '0a'.repeat(16), spanId: '0b'.repeat(8), parentSpanId: '', traceState: '', name: 'span', kind: 3,
    startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000500000000', statusCode: 0, statusMessage: '',
    attributes, resource: { 'service.name': 'svc' }, scopeName: '', scopeVersion: '', events: [], links: [], ...extra,
  };
}

const normalizer = createNormalizer(defaultMappers());
const one = (attributes: Attributes, extra: Partial<SpanRecord> = {}): LlmCall | undefined => normalizer.normalize([span(attributes, extra)])[0];
const tokens = (c: LlmCall | undefined) => c && [c.inputTokens, c.outputTokens, c.cacheReadTokens, c.cacheWriteTokens, c.reasoningTokens];

test('wrapper spans are never calls, whatever model and summed usage they carry', () => {
  const usage = { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': '100', 'gen_ai.usage.output_tokens': '10' };
  const markers: Attributes[] = [
    { 'gen_ai.operation.name': 'agent_step' }, // AI SDK 7 @ai-sdk/otel step span
    { 'gen_ai.operation.name': 'invoke_agent' },
    { 'gen_ai.operation.name': 'create_agent' },
    { 'gen_ai.operation.name': 'execute_tool' },
    { 'ai.operationId': 'ai.generateText' },
    { 'openinference.span.kind': 'CHAIN' },
    { 'openinference.span.kind': 'AGENT' },
    { 'openinference.span.kind': 'RETRIEVER' },
    { 'traceloop.span.kind': 'workflow' },
    { 'traceloop.span.kind': 'task' },
    { 'traceloop.span.kind': 'agent' },
    { 'llm.request.type': 'rerank' },
    { 'mlflow.spanType': '"AGENT"' },
    { 'genkit:type': 'action', 'genkit:metadata:subtype': 'flow' },
  ];
  for (const marker of markers) {
    assert.equal(one({ ...usage, ...marker }), undefined, JSON.stringify(marker));
  }
  for (const op of ['chat', 'text_completion', 'generate_content', 'embeddings', 'chat.completions']) {
    assert.equal(one({ ...usage, 'gen_ai.operation.name': op })?.inputTokens, 100, op);
  }
  // A call needs a model.
  assert.equal(one({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': '5' }), undefined);
});

test('an AI SDK 7 embeddings operation span without usage is dropped when its provider call is in the batch', () => {
  const root = span({ 'gen_ai.operation.name': 'embeddings', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'text-embedding-3-small' }, { spanId: '01'.repeat(8) });
  const inner = span({ 'gen_ai.operation.name': 'embeddings', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'text-embedding-3-small', 'gen_ai.usage.input_tokens': '8' }, { spanId: '02'.repeat(8), parentSpanId: '01'.repeat(8) });
  const calls = normalizer.normalize([root, inner]);
  assert.deepEqual(calls.map((c) => [c.span.spanId, c.inputTokens]), [['02'.repeat(8), 8]]);
  // Alone in its export, under @ai-sdk/otel's tracer `gen_ai`, the operation span is still no call.
  assert.equal(normalizer.normalize([{ ...root, scopeName: 'gen_ai', attributes: { ...root.attributes } }]).length, 0);
});

test('providers: aliases to the OTel well-known values; frameworks and nothing are inferred from address and model', () => {
  const cases: [string, string][] = [
    ['OpenAI', 'openai'], ['Anthropic', 'anthropic'], ['AWS', 'aws.bedrock'], ['bedrock', 'aws.bedrock'], ['vertex_ai', 'gcp.vertex_ai'],
    ['gemini', 'gcp.gemini'], ['google-gla', 'gcp.gemini'], ['google-vertex', 'gcp.vertex_ai'], ['azure', 'azure.ai.openai'], ['azure_ai', 'azure.ai.inference'],
    ['mistral', 'mistral_ai'], ['MistralAI', 'mistral_ai'], ['xai', 'x_ai'], ['watsonx', 'ibm.watsonx.ai'], ['anthropic.messages', 'anthropic'],
    ['google.vertex.chat', 'gcp.vertex_ai'], ['amazon-bedrock', 'aws.bedrock'], ['langchain', ''], ['llamaindex', ''], ['ollama', 'ollama'],
  ];
  for (const [raw, want] of cases) assert.equal(canonicalProvider(raw), want, raw);
  const viaAddress = (address: string) => one({ 'gen_ai.system': 'langchain', 'gen_ai.request.model': 'm-1', 'server.address': address })?.provider;
  assert.equal(viaAddress('api.openai.com'), 'openai');
  assert.equal(viaAddress('my-res.openai.azure.com'), 'azure.ai.openai');
  assert.equal(viaAddress('bedrock-runtime.us-east-1.amazonaws.com'), 'aws.bedrock');
  assert.equal(viaAddress('us-central1-aiplatform.googleapis.com'), 'gcp.vertex_ai');
  assert.equal(viaAddress('generativelanguage.googleapis.com'), 'gcp.gemini');
  assert.equal(viaAddress('api.anthropic.com'), 'anthropic');
  assert.equal(viaAddress('api.mistral.ai'), 'mistral_ai');
  const c = one({ 'gen_ai.system': 'langchain', 'gen_ai.request.model': 'us.anthropic.claude-3-5-sonnet-20240620-v1:0' });
  assert.deepEqual([c?.provider, c?.rawProvider, c?.requestModel, c?.rawRequestModel], ['aws.bedrock', 'langchain', 'anthropic.claude-3-5-sonnet-20240620-v1:0', 'us.anthropic.claude-3-5-sonnet-20240620-v1:0']);
  // `google` is ambiguous: the address says Vertex.
  assert.equal(one({ 'gen_ai.system': 'google', 'gen_ai.request.model': 'gemini-1.5-pro', 'server.address': 'europe-west4-aiplatform.googleapis.com' })?.provider, 'gcp.vertex_ai');
});

test('model ids are normalized for pricing', () => {
  const cases: [string, string, string][] = [
    ['models/gemini-1.5-pro', 'gemini-1.5-pro', 'gcp.gemini'],
    ['publishers/google/models/gemini-1.5-pro-002', 'gemini-1.5-pro-002', 'gcp.vertex_ai'],
    ['projects/my-proj/locations/us-central1/publishers/google/models/gemini-2.0-flash-001', 'gemini-2.0-flash-001', 'gcp.vertex_ai'],
    ['projects/p/locations/us-east5/publishers/anthropic/models/claude-3-5-sonnet-v2@20241022', 'claude-3-5-sonnet-v2@20241022', 'gcp.vertex_ai'],
    ['projects/p/locations/l/endpoints/1234', 'projects/p/locations/l/endpoints/1234', 'gcp.vertex_ai'],
    ['openai/gpt-4o', 'gpt-4o', 'openai'],
    ['openrouter/anthropic/claude-3.5-sonnet', 'claude-3.5-sonnet', 'anthropic'],
    ['bedrock/anthropic.claude-3-haiku-20240307-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0', 'aws.bedrock'],
    ['vertex_ai/gemini-1.5-pro', 'gemini-1.5-pro', 'gcp.vertex_ai'],
    ['eu.anthropic.claude-3-7-sonnet-20250219-v1:0', 'anthropic.claude-3-7-sonnet-20250219-v1:0', 'aws.bedrock'],
    ['arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0', 'anthropic.claude-3-5-sonnet-20240620-v1:0', 'aws.bedrock'],
    ['arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-2-90b-instruct-v1:0', 'meta.llama3-2-90b-instruct-v1:0', 'aws.bedrock'],
    ['arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123', 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123', 'aws.bedrock'],
    ['gpt-4o-2024-08-06', 'gpt-4o-2024-08-06', ''],
    ['my-deployment', 'my-deployment', ''],
  ];
  for (const [raw, model, provider] of cases) assert.deepEqual(normalizeModelId(raw), { model, provider }, raw);
});

test('token rule: exclusive input and output are rebuilt when the numbers prove it, and counted', () => {
  const report = emptyReport();
  const [c] = normalizer.normalize([span({
    'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4', 'gen_ai.usage.input_tokens': '12',
    'gen_ai.usage.cache_read.input_tokens': '3000', 'gen_ai.usage.cache_creation.input_tokens': '500', 'gen_ai.usage.output_tokens': '40',
    'gen_ai.usage.reasoning.output_tokens': '100',
  })], undefined, report);
  assert.deepEqual(tokens(c), [3512, 140, 3000, 500, 100]);
  assert.equal(c!.tokenRebuild, 'input,output');
  assert.deepEqual([report.inputRebuilt, report.outputRebuilt], [1, 1]);
  // Inclusive counts are left alone.
  assert.deepEqual(tokens(one({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'o3', 'gen_ai.usage.input_tokens': '5000', 'gen_ai.usage.cache_read.input_tokens': '4000', 'gen_ai.usage.output_tokens': '300', 'gen_ai.usage.reasoning.output_tokens': '200' })), [5000, 300, 4000, null, 200]);
  // A grand total equal to the exclusive parts' sum proves it too (Gemini: output leaves thoughts out).
  const g = one({ 'gen_ai.provider.name': 'gcp.gemini', 'gen_ai.request.model': 'gemini-2.5-pro', 'gen_ai.usage.input_tokens': '100', 'gen_ai.usage.output_tokens': '50', 'gen_ai.usage.reasoning.output_tokens': '30', 'gen_ai.usage.total_tokens': '180' });
  assert.deepEqual([tokens(g), g?.tokenRebuild], [[100, 80, null, null, 30], 'output']);
  // Parts without their total: the total is their sum, so pricing sees every part.
  const p = one({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'o3', 'gen_ai.usage.cache_read.input_tokens': '70', 'gen_ai.usage.reasoning.output_tokens': '9' });
  assert.deepEqual([tokens(p), p?.tokenRebuild], [[70, 9, 70, null, 9], 'input,output']);
  // Known exclusive instrumentation (Traceloop Bedrock): rebuilt by scope even when cache < input.
  const b = one({ 'gen_ai.system': 'AWS', 'gen_ai.request.model': 'anthropic.claude-3-5-sonnet-20240620-v1:0', 'gen_ai.usage.input_tokens': '900', 'gen_ai.usage.cache_read_input_tokens': '200', 'gen_ai.usage.output_tokens': '10', 'llm.request.type': 'chat' }, { scopeName: 'opentelemetry.instrumentation.bedrock', scopeVersion: '0.47.3' });
  assert.deepEqual([b?.provider, tokens(b), b?.tokenRebuild], ['aws.bedrock', [1100, 10, 200, null, null], 'input']);
});

test('a token count of 2^53 or more refuses the span with a precise reason; 2^53-1 is read exactly', () => {
  const report = emptyReport();
  const calls = normalizer.normalize([
    span({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': '9007199254740993', 'gen_ai.usage.output_tokens': '1' }),
    span({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': '9007199254740991', 'gen_ai.usage.output_tokens': '1' }, { spanId: '0c'.repeat(8) }),
  ], undefined, report);
  assert.deepEqual(calls.map((c) => c.inputTokens), [9007199254740991]);
  assert.equal(report.refused.length, 1);
  assert.equal(report.refused[0]!.reason, `span ${'0b'.repeat(8)} (trace ${'0a'.repeat(16)}): gen_ai.usage.input_tokens = 9007199254740993 is 2^53 or more, beyond the largest token count read exactly (2^53-1); the span is refused`);
});

test('content attributes are dropped by default and counted; keep_in_spans keeps them in the span only', () => {
  const attrs = (): Attributes => ({
    'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': '1', 'gen_ai.usage.output_tokens': '1',
    'gen_ai.input.messages': '[{"role":"user"}]', 'gen_ai.output.messages': '[]', 'gen_ai.prompt.0.content': 'hi', 'llm.input_messages.0.message.content': 'x', 'input.value': 'q',
  });
  const report = emptyReport();
  const s = span(attrs());
  const [c] = normalizer.normalize([s], undefined, report);
  assert.equal(report.contentDropped, 5);
  assert.equal(c!.contentAttributesDropped, 5);
  assert.deepEqual(Object.keys(s.attributes).sort(), ['gen_ai.provider.name', 'gen_ai.request.model', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens']);
  const keep = createNormalizer(defaultMappers(), { content: 'keep_in_spans' });
  const k = span(attrs());
  const [kc] = keep.normalize([k]);
  assert.equal(k.attributes['gen_ai.input.messages'], '[{"role":"user"}]');
  assert.equal(kc!.callAttributes!['gen_ai.input.messages'], undefined);
  assert.equal(kc!.contentAttributesDropped, 5);
  for (const key of ['ai.prompt', 'ai.prompt.messages', 'ai.response.text', 'ai.response.toolCalls', 'gen_ai.system_instructions', 'gen_ai.completion.0.content', 'llm.output_messages.0.message.content', 'output.value']) assert.ok(isContentAttribute(key), key);
  for (const key of ['gen_ai.request.model', 'ai.response.model', 'llm.token_count.prompt', 'ai.usage.promptTokens']) assert.equal(isContentAttribute(key), false, key);
});

test('AI SDK embeddings usage (ai.usage.tokens) is read on doEmbed spans', () => {
  const c = one({ 'ai.operationId': 'ai.embed.doEmbed', 'ai.model.provider': 'openai.embedding', 'ai.model.id': 'text-embedding-3-small', 'ai.usage.tokens': '8' });
  assert.deepEqual([c?.operation, c?.provider, c?.requestModel, ...tokens(c)!], ['embeddings', 'openai', 'text-embedding-3-small', 8, null, null, null, null]);
});

test('a span carrying two dialects fills its fields from both', () => {
  // OTel GenAI names the model and usage; OpenInference on the same span adds cache reads and the session.
  const c = one({
    'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': '100', 'gen_ai.usage.output_tokens': '10',
    'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o-2024-08-06', 'llm.token_count.prompt_details.cache_read': '60', 'session.id': 's-2',
  });
  assert.deepEqual([c?.convention, c?.responseModel, ...tokens(c)!, c?.sessionId], ['otel_genai', 'gpt-4o-2024-08-06', 100, 10, 60, null, null, 's-2']);
});

test('Anthropic cache writes by TTL are read beside OpenInference counts', () => {
  // The attribute names a published OpenInference Anthropic fixture carries beside llm.token_count.*.
  const c = one({
    'openinference.span.kind': 'LLM', 'llm.provider': 'anthropic', 'llm.model_name': 'claude-sonnet-4', 'llm.token_count.prompt': '1000', 'llm.token_count.completion': '0',
    'llm.token_count.prompt_details.cache_write': '900', 'gen_ai.usage.cache_creation.ephemeral_1h_input_tokens': '600', 'gen_ai.usage.cache_creation.ephemeral_5m_input_tokens': '300',
  }, { scopeName: 'openinference.instrumentation.anthropic' });
  assert.deepEqual([c?.provider, c?.cacheWriteTokens, c?.cacheWrite5mTokens, c?.cacheWrite1hTokens], ['anthropic', 900, 300, 600]);
});

test('Traceloop Vertex AI: the grand total above input + output is reasoning, by scope only', () => {
  const a = { 'gen_ai.system': 'Google', 'gen_ai.request.model': 'gemini-2.5-flash', 'gen_ai.usage.prompt_tokens': '1000', 'gen_ai.usage.completion_tokens': '200', 'llm.usage.total_tokens': '1250' };
  const vertex = one(a, { scopeName: '@traceloop/instrumentation-vertexai', scopeVersion: '0.27.0' });
  assert.deepEqual(tokens(vertex), [1000, 250, null, null, 50]);
  assert.equal(vertex?.tokenRebuild, 'output');
  assert.equal(vertex?.provider, 'gcp.vertex_ai');
  // The same numbers from any other scope prove nothing: left as reported.
  const other = one(a, { scopeName: 'some-instrumentation' });
  assert.deepEqual(tokens(other), [1000, 200, null, null, null]);
  assert.equal(other?.tokenRebuild, '');
  assert.equal(other?.provider, 'gcp.gemini');
});

test('AI SDK 7: runtime-context session and user, and detailed-usage reasoning on the chat span', () => {
  const legacy = one({ 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'openai.chat', 'ai.model.id': 'gpt-4o', 'ai.settings.context.sessionId': 's7', 'ai.settings.context.userId': 'u7' });
  assert.deepEqual([legacy?.sessionId, legacy?.userId], ['s7', 'u7']);
  const chat = one({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': '10', 'gen_ai.usage.output_tokens': '5', 'ai.usage.outputTokenDetails.reasoningTokens': '2' });
  assert.deepEqual(tokens(chat), [10, 5, null, null, 2]);
});

test('OpenInference LangChain spans: the provider from ls_provider in metadata', () => {
  const c = one({ 'openinference.span.kind': 'LLM', 'llm.model_name': 'gemini-2.5-pro', metadata: '{"ls_provider":"google_vertexai","ls_model_name":"gemini-2.5-pro"}' });
  assert.deepEqual([c?.provider, c?.rawProvider], ['gcp.vertex_ai', 'google_vertexai']);
  const named = one({ 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o', 'llm.provider': 'openai', metadata: '{"ls_provider":"azure"}' });
  assert.equal(named?.provider, 'openai');
});

test('the Anthropic SDK\'s own cache writes by TTL are read', () => {
  const c = one({ 'gen_ai.provider.name': 'anthropic', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'claude-sonnet-4-5', 'gen_ai.usage.input_tokens': '3500', 'gen_ai.usage.output_tokens': '10', 'gen_ai.usage.cache_write.input_tokens': '1000', 'anthropic.usage.cache_creation.ephemeral_5m_input_tokens': '600', 'anthropic.usage.cache_creation.ephemeral_1h_input_tokens': '400' }, { scopeName: 'com.anthropic.sdk.typescript' });
  assert.deepEqual([c?.cacheWriteTokens, c?.cacheWrite5mTokens, c?.cacheWrite1hTokens], [1000, 600, 400]);
});
