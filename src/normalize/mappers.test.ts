import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes, LlmCall, SpanRecord } from '../pipeline';
import { defaultMappers, modelCandidate } from './index';
import { createNormalizer } from './registry';

const normalizer = createNormalizer(defaultMappers());

function span(attributes: Attributes, name = 'span'): SpanRecord {
  return {
    traceId: '01'.repeat(16), spanId: '02'.repeat(8), parentSpanId: '', traceState: '', name, kind: 3,
    startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000500000000', statusCode: 0, statusMessage: '',
    attributes, resource: { 'service.name': 'svc' }, scopeName: '', scopeVersion: '', events: [], links: [],
  };
}

function one(attributes: Attributes): LlmCall | undefined {
  const calls = normalizer.normalize([span(attributes)]);
  assert.ok(calls.length <= 1);
  return calls[0];
}

const tokens = (c: LlmCall | undefined) => c && [c.convention, c.provider, c.requestModel, c.inputTokens, c.outputTokens, c.cacheReadTokens, c.cacheWriteTokens, c.reasoningTokens];

test('the mappers are tried Vercel AI SDK, Claude Code, OpenLLMetry, OTel GenAI, OpenInference, MLflow, Genkit', () => {
  assert.deepEqual(normalizer.order, ['vercel_ai', 'claude_code', 'openllmetry', 'otel_genai', 'openinference', 'mlflow', 'genkit']);
});

test('one call in two dialects on one span: OTel GenAI wins over OpenInference, field for field', () => {
  const c = one({
    'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': '100', 'gen_ai.usage.output_tokens': '10',
    'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o-2024-08-06', 'llm.token_count.prompt': '999', 'llm.token_count.completion': '99',
  });
  assert.deepEqual(tokens(c), ['otel_genai', 'openai', 'gpt-4o', 100, 10, null, null, null]);
});

test('OpenInference: LLM spans with cached and reasoning details included in their totals; CHAIN spans are not calls', () => {
  const c = one({
    'openinference.span.kind': 'LLM', 'llm.model_name': 'claude-sonnet-4', 'llm.provider': 'anthropic', 'llm.token_count.prompt': '5000',
    'llm.token_count.prompt_details.cache_read': '3000', 'llm.token_count.prompt_details.cache_write': '1000', 'llm.token_count.completion': '400',
    'llm.token_count.completion_details.reasoning': '150', 'session.id': 's-9', 'user.id': 'u-9',
  });
  assert.deepEqual(tokens(c), ['openinference', 'anthropic', 'claude-sonnet-4', 5000, 400, 3000, 1000, 150]);
  assert.deepEqual([c!.sessionId, c!.userId], ['s-9', 'u-9']);
  assert.equal(one({ 'openinference.span.kind': 'CHAIN', 'llm.model_name': 'gpt-4o', 'llm.token_count.prompt': '5' }), undefined);
  assert.equal(one({ 'openinference.span.kind': 'EMBEDDING', 'embedding.model_name': 'text-embedding-3-small', 'llm.system': 'openai' })?.operation, 'embeddings');
});

test('OpenLLMetry: association properties give session and user; old total-only usage is completed', () => {
  const c = one({
    'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'llm.request.type': 'chat', 'llm.usage.total_tokens': '1500',
    'gen_ai.usage.completion_tokens': '300', 'gen_ai.conversation.id': 'conv', 'traceloop.association.properties.session_id': 'sess-1',
    'traceloop.association.properties.user_id': 'user-1',
  });
  assert.deepEqual(tokens(c), ['openllmetry', 'openai', 'gpt-4o-mini', 1200, 300, null, null, null]);
  assert.deepEqual([c!.operation, c!.sessionId, c!.userId], ['chat', 'sess-1', 'user-1']);
});

test('Vercel AI SDK: only the provider call counts, never the outer generate span', () => {
  const outer = { 'ai.operationId': 'ai.generateText', 'ai.model.id': 'gpt-4o', 'ai.model.provider': 'openai.chat', 'ai.usage.promptTokens': '10', 'ai.usage.completionTokens': '5', 'gen_ai.request.model': 'gpt-4o' };
  const inner = { ...outer, 'ai.operationId': 'ai.generateText.doGenerate', 'gen_ai.system': 'openai.chat', 'gen_ai.usage.input_tokens': '10', 'gen_ai.usage.output_tokens': '5', 'ai.telemetry.metadata.sessionId': 's1', 'ai.telemetry.metadata.userId': 'u1' };
  const calls = normalizer.normalize([span(outer), span(inner)]);
  assert.equal(calls.length, 1);
  assert.deepEqual(tokens(calls[0]), ['vercel_ai', 'openai', 'gpt-4o', 10, 5, null, null, null]);
  assert.deepEqual([calls[0]!.sessionId, calls[0]!.userId], ['s1', 'u1']);
});

test('Vercel AI SDK token forms: current details, legacy names, and Anthropic legacy inputs without cache', () => {
  const current = one({ 'ai.operationId': 'ai.streamText.doStream', 'ai.model.provider': 'openai.responses', 'ai.model.id': 'o3', 'ai.usage.inputTokenDetails.noCacheTokens': '200', 'ai.usage.inputTokenDetails.cacheReadTokens': '800', 'ai.usage.outputTokens': '500', 'ai.usage.outputTokenDetails.reasoningTokens': '300' });
  assert.deepEqual(tokens(current), ['vercel_ai', 'openai', 'o3', 1000, 500, 800, null, 300]);
  const legacy = one({ 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'openai.chat', 'ai.model.id': 'gpt-4o', 'ai.usage.inputTokens': '1200', 'ai.usage.cachedInputTokens': '800', 'ai.usage.outputTokens': '30', 'ai.usage.reasoningTokens': '10' });
  assert.deepEqual(tokens(legacy), ['vercel_ai', 'openai', 'gpt-4o', 1200, 30, 800, null, 10]);
  const anthropic = one({ 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'anthropic.messages', 'ai.model.id': 'claude-sonnet-4', 'ai.usage.inputTokens': '200', 'ai.usage.cachedInputTokens': '800', 'ai.usage.outputTokens': '30' });
  assert.deepEqual(tokens(anthropic), ['vercel_ai', 'anthropic', 'claude-sonnet-4', 1000, 30, 800, null, null]);
});

test('a span of an unknown dialect yields a model candidate for the unmapped check', () => {
  assert.equal(modelCandidate(span({ 'acme.llm.model': 'gpt-4o', 'acme.tokens': '12' })), 'gpt-4o');
  assert.equal(modelCandidate(span({ 'vendor.model_name': 'claude-3-haiku' })), 'claude-3-haiku');
  assert.equal(modelCandidate(span({ 'http.route': '/chat' })), undefined);
});
