import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes, SpanRecord } from '../pipeline';
import { genAiMapper } from './genai-mapper';
import { createNormalizer } from './registry';
import { NOT_A_CALL, type SpanMapper } from './mapper';
import type { LlmCall } from '../pipeline';

function span(attributes: Attributes): SpanRecord {
  return {
    traceId: '01'.repeat(16), spanId: '02'.repeat(8), parentSpanId: '', traceState: '', name: 'chat', kind: 3,
    startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000001500000000', statusCode: 0, statusMessage: '',
    attributes, resource: { 'service.name': 'api', 'deployment.environment': 'prod' }, scopeName: '', scopeVersion: '', events: [], links: [],
  };
}

const current: Attributes = {
  'gen_ai.provider.name': 'gcp.vertex_ai',
  'gen_ai.operation.name': 'chat',
  'gen_ai.request.model': 'gemini-2.5-pro',
  'gen_ai.usage.input_tokens': '1200',
  'gen_ai.usage.output_tokens': '300',
  'gen_ai.usage.cache_read.input_tokens': '1000',
  'gen_ai.usage.cache_creation.input_tokens': '100',
  'gen_ai.usage.reasoning.output_tokens': '120',
  'gen_ai.conversation.id': 'conv-1',
};

const deprecated: Attributes = {
  'gen_ai.system': 'vertex_ai',
  'gen_ai.operation.name': 'chat',
  'gen_ai.request.model': 'gemini-2.5-pro',
  'gen_ai.usage.prompt_tokens': '1200',
  'gen_ai.usage.completion_tokens': '300',
  'gen_ai.usage.cache_read_input_tokens': '1000',
  'gen_ai.usage.cache_write.input_tokens': '100',
  'gen_ai.usage.reasoning_tokens': '120',
  'session.id': 'conv-1',
};

function call(x: LlmCall | typeof NOT_A_CALL | null): LlmCall {
  assert.ok(x !== null && x !== NOT_A_CALL, 'expected a call');
  return x;
}

test('deprecated and current attribute names produce identical records', () => {
  const a = call(genAiMapper.map(span(current)));
  const b = call(genAiMapper.map(span(deprecated)));
  const { span: _sa, ...ra } = a;
  const { span: _sb, ...rb } = b;
  assert.deepEqual(ra, rb);
  assert.equal(a.provider, 'gcp.vertex_ai');
  assert.equal(a.cacheWriteTokens, 100);
  assert.equal(a.reasoningTokens, 120);
  assert.equal(a.latencyMs, 1500);
  assert.equal(a.deploymentEnvironment, 'prod');
});

test('when both names are present, the current one wins', () => {
  const c = call(genAiMapper.map(span({ ...deprecated, 'gen_ai.usage.input_tokens': '7', 'gen_ai.provider.name': 'openai' })));
  assert.equal(c.inputTokens, 7);
  assert.equal(c.provider, 'openai');
});

test('missing usage is null, not zero', () => {
  const c = call(genAiMapper.map(span({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' })));
  assert.equal(c.inputTokens, null);
  assert.equal(c.outputTokens, null);
});

test('non-GenAI spans and agent/tool spans are not LLM calls', () => {
  assert.equal(genAiMapper.map(span({ 'http.request.method': 'GET' })), null);
  assert.equal(genAiMapper.map(span({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.usage.input_tokens': '5' })), NOT_A_CALL);
  assert.equal(genAiMapper.map(span({ 'gen_ai.operation.name': 'execute_tool' })), NOT_A_CALL);
});

test('the registry tries mappers by priority and takes the first match', () => {
  const low: SpanMapper = { name: 'low', priority: 1, map: (s) => ({ ...call(genAiMapper.map({ ...s, attributes: { 'gen_ai.request.model': 'm' } })), convention: 'low' }) };
  const normalizer = createNormalizer([low, genAiMapper]);
  assert.deepEqual(normalizer.order, ['otel_genai', 'low']);
  const calls = normalizer.normalize([span(current), span({ 'gen_ai.request.model': 'm' }), span({ other: 'x' })]);
  assert.deepEqual(calls.map((c) => c.convention), ['otel_genai', 'otel_genai', 'low']);
});

test("the request id comes from spanledger's own attribute first, then the names gateways set (Envoy's guid:x-request-id)", () => {
  const calls = (extra: Attributes) => createNormalizer([genAiMapper]).normalize([span({ ...current, ...extra })], []);
  assert.equal(calls({ 'guid:x-request-id': 'envoy-1' })[0]!.requestId, 'envoy-1');
  assert.equal(calls({ 'guid:x-request-id': 'envoy-1', 'gen_ai.request.id': 'litellm-1' })[0]!.requestId, 'litellm-1');
  assert.equal(calls({ 'guid:x-request-id': 'envoy-1', 'spanledger.request_id': 'own-1' })[0]!.requestId, 'own-1');
});
