import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runAppScenario } from './helpers/app-ledger';
import { expectedRow } from './helpers/expected-rows';
import { STUB_USAGE } from './helpers/openai-stub';
import { ANTHROPIC_SMALL_CACHE_USAGE, ANTHROPIC_USAGE, GEMINI_USAGE } from './helpers/provider-stub';

// Instrumentations as Node 20 apps run them: test/fixtures/node20-app.cjs starts
// @opentelemetry/sdk-node 0.223 (the SDK 2.x line) with one instrumentation and its exporter,
// then makes one call with the real client library against the loopback provider stub.

const OPENAI = { input: STUB_USAGE.prompt_tokens, output: STUB_USAGE.completion_tokens };
const OPENAI_FULL = { ...OPENAI, cacheRead: STUB_USAGE.prompt_tokens_details.cached_tokens, reasoning: STUB_USAGE.completion_tokens_details.reasoning_tokens };
const gpt = { provider: 'openai', requestModel: 'gpt-4o-mini', price: ['openai', 'gpt-4o-mini'] as [string, string] };

// Anthropic's exclusive usage held to the OTel rule: input = uncached + cache reads + writes.
const A = ANTHROPIC_USAGE;
const ANTHROPIC_INPUT = A.input_tokens + A.cache_read_input_tokens + A.cache_creation_input_tokens;
const ANTHROPIC = { input: ANTHROPIC_INPUT, output: A.output_tokens, cacheRead: A.cache_read_input_tokens, cacheWrite: A.cache_creation_input_tokens };
const haiku = { provider: 'anthropic', rawProvider: 'anthropic', requestModel: 'claude-3-5-haiku-20241022', price: ['anthropic', 'claude-3-5-haiku-latest'] as [string, string] };

describe('NodeSDK 2.x with @opentelemetry/instrumentation-openai 0.21', () => {
  for (const protocol of ['http/protobuf', 'grpc'] as const) {
    test(`exported over OTLP ${protocol}: one call, input and output only`, async () => {
      const l = await runAppScenario('node20', 'otel-openai', 1, protocol);
      assert.equal(l.stub.length, 1);
      // No cached or reasoning detail: the 800 cached tokens are priced as uncached input.
      assert.deepEqual(l.calls, [expectedRow({ ...gpt, span: 'chat gpt-4o-mini', convention: 'otel_genai', rawProvider: 'openai', tokens: OPENAI })]);
      assert.deepEqual(l.spans, [{ name: 'chat gpt-4o-mini', is_llm_call: 1 }]);
    });
  }
});

describe('NodeSDK 2.x with the other OpenAI instrumentations', () => {
  test('@traceloop/instrumentation-openai 0.27: input and output only', async () => {
    const l = await runAppScenario('node20', 'traceloop-openai', 1);
    assert.deepEqual(l.calls, [expectedRow({ ...gpt, span: 'chat gpt-4o-mini', convention: 'otel_genai', rawProvider: 'openai', tokens: OPENAI })]);
  });

  test('@arizeai/openinference-instrumentation-openai 4.2: cached and reasoning tokens priced apart, session and user from its context', async () => {
    const l = await runAppScenario('node20', 'openinference-openai', 1);
    assert.deepEqual(l.calls, [expectedRow({ ...gpt, span: 'OpenAI Chat Completions', convention: 'openinference', rawProvider: 'openai', tokens: OPENAI_FULL, session: 'session-7', user: 'user-7' })]);
  });
});

describe('NodeSDK 2.x with the Anthropic SDK', () => {
  test('@anthropic-ai/sdk 1.16 traces itself: inclusive input, cache reads, writes by TTL', async () => {
    const l = await runAppScenario('node20', 'anthropic-sdk', 1);
    assert.deepEqual(l.stub.map((r) => r.path), ['/v1/messages']);
    assert.deepEqual(l.calls, [
      expectedRow({ ...haiku, span: 'anthropic.messages.create', convention: 'otel_genai', tokens: { ...ANTHROPIC, cacheWrite1h: A.cache_creation.ephemeral_1h_input_tokens } }),
    ]);
  });

  test('@arizeai/openinference-instrumentation-anthropic 0.2 beside the SDK\'s own span: one call billed, session and user from its context', async () => {
    const l = await runAppScenario('node20', 'openinference-anthropic', 2);
    // OpenInference reports no TTL split: its writes are priced at the 5-minute rate.
    assert.deepEqual(l.calls, [
      expectedRow({ ...haiku, span: 'Anthropic Messages', convention: 'openinference', tokens: ANTHROPIC, session: 'session-7', user: 'user-7' }),
      expectedRow({ ...haiku, span: 'anthropic.messages.create', convention: 'otel_genai', tokens: { ...ANTHROPIC, cacheWrite1h: A.cache_creation.ephemeral_1h_input_tokens } }),
    ]);
    // Two SDK-side reports of one provider call: the SDK's own span is the more detailed one
    // (it alone has the 1-hour cache writes), so it is billed and OpenInference's is the duplicate.
    assert.ok(BigInt(l.calls[1]!.cost_nano_usd!) > BigInt(l.calls[0]!.cost_nano_usd!), 'the 1-hour writes cost more than at the 5-minute rate');
    assert.deepEqual(l.resolved.map((r) => [r.span_name, r.is_duplicate, r.billed_nano_usd]), [
      ['Anthropic Messages', 1, '0'],
      ['anthropic.messages.create', 0, l.calls[1]!.cost_nano_usd],
    ]);
  });

  test('@traceloop/instrumentation-anthropic 0.27 (SDK 0.137, instrumented by hand): exclusive input rebuilt', async () => {
    const l = await runAppScenario('node20', 'traceloop-anthropic', 2);
    assert.deepEqual(l.calls, [
      expectedRow({ ...haiku, span: 'anthropic.messages.create', convention: 'otel_genai', tokens: { ...ANTHROPIC, cacheWrite1h: A.cache_creation.ephemeral_1h_input_tokens } }),
      // Traceloop reports Anthropic's own input_tokens (500, without the cache): rebuilt to 3500.
      expectedRow({ ...haiku, span: 'chat claude-3-5-haiku-20241022', convention: 'otel_genai', tokens: ANTHROPIC, tokenRebuild: 'input' }),
    ]);
    // The SDK's own span has the 1-hour cache writes Traceloop's lacks: it is the one billed.
    assert.deepEqual(l.resolved.map((r) => [r.span_name, r.is_duplicate, r.billed_nano_usd]), [
      ['anthropic.messages.create', 0, l.calls[0]!.cost_nano_usd],
      ['chat claude-3-5-haiku-20241022', 1, '0'],
    ]);
  });
});

describe('@traceloop/instrumentation-anthropic 0.27: exclusive input even where the numbers cannot tell', () => {
  test('cache tokens fewer than uncached ones: input rebuilt by the instrumentation scope', async () => {
    const l = await runAppScenario('node20', 'traceloop-anthropic-small-cache', 2);
    const S = ANTHROPIC_SMALL_CACHE_USAGE;
    const t = { input: S.input_tokens + S.cache_read_input_tokens + S.cache_creation_input_tokens, output: S.output_tokens, cacheRead: S.cache_read_input_tokens, cacheWrite: S.cache_creation_input_tokens };
    assert.deepEqual(l.calls, [
      expectedRow({ ...haiku, span: 'anthropic.messages.create', convention: 'otel_genai', tokens: { ...t, cacheWrite1h: 0 } }),
      expectedRow({ ...haiku, span: 'chat claude-3-5-haiku-20241022', convention: 'otel_genai', tokens: t, tokenRebuild: 'input' }),
    ]);
    // Rebuilt, Traceloop's report matches the SDK's: one call billed, the SDK's (it says how
    // many writes had the 1-hour TTL, none here; Traceloop does not say).
    assert.deepEqual(l.resolved.map((r) => [r.span_name, r.is_duplicate, r.billed_nano_usd]), [
      ['anthropic.messages.create', 0, l.calls[0]!.cost_nano_usd],
      ['chat claude-3-5-haiku-20241022', 1, '0'],
    ]);
  });
});

describe('NodeSDK 2.x with Traceloop Bedrock and Vertex AI', () => {
  test('@traceloop/instrumentation-bedrock 0.27, InvokeModel with Claude: input and output only', async () => {
    const l = await runAppScenario('node20', 'traceloop-bedrock', 1);
    assert.deepEqual(l.stub.map((r) => r.path), ['/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke']);
    // The instrumentation reads input_tokens and output_tokens of the Claude body only: the
    // cache reads and writes the body reports never reach the span, so they are not billed.
    assert.deepEqual(l.calls, [
      expectedRow({
        span: 'chat claude-3-5-haiku-20241022-v1:0', convention: 'otel_genai', provider: 'aws.bedrock', rawProvider: 'aws.bedrock', requestModel: 'claude-3-5-haiku-20241022-v1:0',
        tokens: { input: A.input_tokens, output: A.output_tokens }, price: ['aws', 'regional.anthropic.claude-3-5-haiku-20241022-v1:0'],
      }),
    ]);
  });

  test('@traceloop/instrumentation-bedrock 0.27, Converse: a call without usage (the instrumentation reads none), unpriced', async () => {
    const l = await runAppScenario('node20', 'traceloop-bedrock-converse', 1);
    assert.deepEqual(l.stub.map((r) => r.path), ['/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse']);
    assert.deepEqual(l.calls, [
      {
        span_name: 'bedrock.completion', convention: 'otel_genai', operation: '', provider: 'aws.bedrock', raw_provider: 'aws.bedrock', request_model: 'claude-3-5-haiku-20241022-v1:0',
        response_model: '', input_tokens: null, output_tokens: null, cache_read_tokens: null, cache_write_tokens: null, cache_write_1h_tokens: null, reasoning_tokens: null,
        token_rebuild: '', cost_nano_usd: null, pricing_status: 'unpriced_missing_usage', session_id: '', user_id: '',
      },
    ]);
  });

  test('@traceloop/instrumentation-vertexai 0.27 (@google-cloud/vertexai 1.12): Vertex AI, thinking tokens rebuilt from the total', async () => {
    const l = await runAppScenario('node20', 'traceloop-vertexai', 1);
    assert.deepEqual(l.stub.map((r) => r.path), ['/v1/projects/test-project/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent']);
    // It reports promptTokenCount, candidatesTokenCount (without the thoughts) and the total;
    // no cached tokens (priced as uncached). The provider is Vertex AI, whatever `Google` says.
    const thoughts = GEMINI_USAGE.totalTokenCount - GEMINI_USAGE.promptTokenCount - GEMINI_USAGE.candidatesTokenCount;
    assert.deepEqual(l.calls, [
      expectedRow({
        span: 'vertexai.completion', convention: 'openllmetry', operation: 'text_completion', provider: 'gcp.vertex_ai', rawProvider: 'Google', requestModel: 'gemini-2.5-flash',
        tokens: { input: GEMINI_USAGE.promptTokenCount, output: GEMINI_USAGE.candidatesTokenCount + thoughts, reasoning: thoughts }, price: ['google', 'gemini-2.5-flash'], tokenRebuild: 'output',
      }),
    ]);
  });
});

describe('NodeSDK 2.x with the AI SDK 5 and 6 (telemetry on, legacy ai.* spans)', () => {
  test('ai 5.0 with @ai-sdk/openai 2: input and output, session and user from metadata', async () => {
    const l = await runAppScenario('node20', 'ai5-generate', 2);
    assert.deepEqual(l.calls, [expectedRow({ ...gpt, span: 'ai.generateText.doGenerate', convention: 'vercel_ai', rawProvider: 'openai.chat', tokens: OPENAI, session: 'session-7', user: 'user-7' })]);
    assert.deepEqual(l.spans, [
      { name: 'ai.generateText', is_llm_call: 0 },
      { name: 'ai.generateText.doGenerate', is_llm_call: 1 },
    ]);
  });

  test('ai 6.0 with @ai-sdk/openai 3: every token class', async () => {
    const l = await runAppScenario('node20', 'ai6-generate', 2);
    assert.deepEqual(l.calls, [expectedRow({ ...gpt, span: 'ai.generateText.doGenerate', convention: 'vercel_ai', rawProvider: 'openai.chat', tokens: OPENAI_FULL, session: 'session-7', user: 'user-7' })]);
    assert.deepEqual(l.spans.map((s) => s.is_llm_call), [0, 1]);
  });
});
