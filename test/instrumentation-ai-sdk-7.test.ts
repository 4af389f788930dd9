import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { expectedCostNanoUsd, type CallTokens } from './helpers/catalog-cost';
import { runAppScenario, type AppLedger } from './helpers/app-ledger';
import { ensureAppInstalled } from './helpers/current-otel-app';
import { type CallRow } from './helpers/ledger-rows';
import { ANTHROPIC_USAGE, EMBEDDING_TOKENS_PER_INPUT } from './helpers/provider-stub';
import { expectedRow } from './helpers/expected-rows';
import { STUB_USAGE } from './helpers/openai-stub';

// AI SDK 7 (`ai` 7.0.173, `@ai-sdk/openai` 4.0.118) with `@ai-sdk/otel` 1.0.173, started the
// way an app starts OTel today: NodeSDK 0.301 (SDK 3.x) with the OTLP/protobuf exporter. Both
// need Node >= 22, so test/fixtures/current-otel-app/app.mjs runs under the Node 22 binary
// from npm; spanledger runs here, under the project's Node.

before(ensureAppInstalled);

async function run(scenario: string, spans: number): Promise<AppLedger & { stubPaths: string[] }> {
  const l = await runAppScenario('node22', scenario, spans);
  return { ...l, stubPaths: l.stub.map((r) => r.path) };
}

// The stub's usage (STUB_USAGE): 1200 prompt tokens of which 800 cached, 300 completion of
// which 100 reasoning. Embeddings: 8 tokens an input.
const CHAT: Required<Pick<CallTokens, 'input' | 'output' | 'cacheRead' | 'reasoning'>> = {
  input: STUB_USAGE.prompt_tokens,
  output: STUB_USAGE.completion_tokens,
  cacheRead: STUB_USAGE.prompt_tokens_details.cached_tokens,
  reasoning: STUB_USAGE.completion_tokens_details.reasoning_tokens,
};

/** The row of one gpt-4o-mini chat call; `reasoning` says whether the integration reported the reasoning count. */
function chatRow(spanName: string, convention: string, rawProvider: string, reasoning: boolean, session: boolean): CallRow & { span_name: string } {
  const tokens: CallTokens = { input: CHAT.input, output: CHAT.output, cacheRead: CHAT.cacheRead, reasoning: reasoning ? CHAT.reasoning : undefined };
  return {
    span_name: spanName, convention, operation: 'chat', provider: 'openai', raw_provider: rawProvider, request_model: 'gpt-4o-mini', response_model: 'gpt-4o-mini',
    input_tokens: CHAT.input, output_tokens: CHAT.output, cache_read_tokens: CHAT.cacheRead, cache_write_tokens: null, cache_write_1h_tokens: null, reasoning_tokens: reasoning ? CHAT.reasoning : null,
    token_rebuild: '', cost_nano_usd: String(expectedCostNanoUsd('openai', 'gpt-4o-mini', tokens)), pricing_status: 'priced',
    session_id: session ? 'session-7' : '', user_id: session ? 'user-7' : '',
  };
}

function embedRow(spanName: string, convention: string, rawProvider: string, inputs: number): CallRow & { span_name: string } {
  const input = inputs * EMBEDDING_TOKENS_PER_INPUT;
  return {
    span_name: spanName, convention, operation: 'embeddings', provider: 'openai', raw_provider: rawProvider, request_model: 'text-embedding-3-small', response_model: '',
    input_tokens: input, output_tokens: null, cache_read_tokens: null, cache_write_tokens: null, cache_write_1h_tokens: null, reasoning_tokens: null, token_rebuild: '',
    cost_nano_usd: String(expectedCostNanoUsd('openai', 'text-embedding-3-small', { input, output: 0 })), pricing_status: 'priced', session_id: '', user_id: '',
  };
}

describe('@ai-sdk/otel OpenTelemetry integration (semantic conventions), defaults', () => {
  test('generateText: one call, the chat span; invoke_agent and agent_step are no calls', async () => {
    const l = await run('ai7-otel-generate', 3);
    assert.deepEqual(l.stubPaths, ['/v1/chat/completions']);
    // The default integration reports no reasoning count and puts the runtime context
    // (ai.settings.context.*) on the invoke_agent and step spans only, not on the call.
    assert.deepEqual(l.calls, [chatRow('chat gpt-4o-mini', 'otel_genai', 'openai', false, false)]);
    assert.deepEqual(l.spans, [
      { name: 'chat gpt-4o-mini', is_llm_call: 1 },
      { name: 'invoke_agent gpt-4o-mini', is_llm_call: 0 },
      { name: 'step 1', is_llm_call: 0 },
    ]);
  });

  test('streamText: one call from the streamed usage', async () => {
    const l = await run('ai7-otel-stream', 3);
    assert.deepEqual(l.calls, [chatRow('chat gpt-4o-mini', 'otel_genai', 'openai', false, false)]);
    assert.deepEqual(l.spans.map((s) => s.is_llm_call), [1, 0, 0]);
  });

  test('embed and embedMany: the inner embeddings spans are the calls, the operation spans without usage are not', async () => {
    const l = await run('ai7-otel-embed', 4);
    assert.deepEqual(l.stubPaths, ['/v1/embeddings', '/v1/embeddings']);
    assert.deepEqual(l.calls, [embedRow('embeddings text-embedding-3-small', 'otel_genai', 'openai', 1), embedRow('embeddings text-embedding-3-small', 'otel_genai', 'openai', 2)]);
    assert.deepEqual(l.spans.map((s) => s.is_llm_call).sort(), [0, 0, 1, 1]);
  });

  test('a tool call over two steps: two calls, never the tool or step spans', async () => {
    const l = await run('ai7-otel-tool', 6);
    assert.deepEqual(l.stubPaths, ['/v1/chat/completions', '/v1/chat/completions']);
    assert.deepEqual(l.calls, [chatRow('chat gpt-4o-mini', 'otel_genai', 'openai', false, false), chatRow('chat gpt-4o-mini', 'otel_genai', 'openai', false, false)]);
    assert.deepEqual(l.spans, [
      { name: 'chat gpt-4o-mini', is_llm_call: 1 },
      { name: 'chat gpt-4o-mini', is_llm_call: 1 },
      { name: 'execute_tool weather', is_llm_call: 0 },
      { name: 'invoke_agent gpt-4o-mini', is_llm_call: 0 },
      { name: 'step 1', is_llm_call: 0 },
      { name: 'step 2', is_llm_call: 0 },
    ]);
  });
});

describe('@ai-sdk/otel OpenTelemetry integration with usage details and enrichSpan', () => {
  test('generateText: reasoning read from the detailed usage, session and user from enrichSpan', async () => {
    const l = await run('ai7-oteldetail-generate', 3);
    assert.deepEqual(l.calls, [chatRow('chat gpt-4o-mini', 'otel_genai', 'openai', true, true)]);
    assert.deepEqual(l.spans.map((s) => s.is_llm_call), [1, 0, 0]);
  });

  test('a tool call: both calls carry reasoning, session and user', async () => {
    const l = await run('ai7-oteldetail-tool', 6);
    assert.deepEqual(l.calls, [chatRow('chat gpt-4o-mini', 'otel_genai', 'openai', true, true), chatRow('chat gpt-4o-mini', 'otel_genai', 'openai', true, true)]);
  });
});

describe('@ai-sdk/otel LegacyOpenTelemetry integration (ai.* spans)', () => {
  test('generateText: the doGenerate span is the call, with session and user from the runtime context', async () => {
    const l = await run('ai7-legacy-generate', 2);
    assert.deepEqual(l.calls, [chatRow('ai.generateText.doGenerate', 'vercel_ai', 'openai.chat', true, true)]);
    assert.deepEqual(l.spans, [
      { name: 'ai.generateText', is_llm_call: 0 },
      { name: 'ai.generateText.doGenerate', is_llm_call: 1 },
    ]);
  });

  test('streamText: the doStream span is the call', async () => {
    const l = await run('ai7-legacy-stream', 2);
    assert.deepEqual(l.calls, [chatRow('ai.streamText.doStream', 'vercel_ai', 'openai.chat', true, true)]);
    assert.deepEqual(l.spans, [
      { name: 'ai.streamText', is_llm_call: 0 },
      { name: 'ai.streamText.doStream', is_llm_call: 1 },
    ]);
  });

  test('embed and embedMany: the doEmbed spans are the calls, priced from ai.usage.tokens', async () => {
    const l = await run('ai7-legacy-embed', 4);
    assert.deepEqual(l.calls, [embedRow('ai.embed.doEmbed', 'vercel_ai', 'openai.embedding', 1), embedRow('ai.embedMany.doEmbed', 'vercel_ai', 'openai.embedding', 2)]);
    assert.deepEqual(l.spans, [
      { name: 'ai.embed', is_llm_call: 0 },
      { name: 'ai.embed.doEmbed', is_llm_call: 1 },
      { name: 'ai.embedMany', is_llm_call: 0 },
      { name: 'ai.embedMany.doEmbed', is_llm_call: 1 },
    ]);
  });

  test('a tool call over two steps: two doGenerate calls, never ai.toolCall', async () => {
    const l = await run('ai7-legacy-tool', 4);
    assert.deepEqual(l.calls, [chatRow('ai.generateText.doGenerate', 'vercel_ai', 'openai.chat', true, true), chatRow('ai.generateText.doGenerate', 'vercel_ai', 'openai.chat', true, true)]);
    assert.deepEqual(l.spans, [
      { name: 'ai.generateText', is_llm_call: 0 },
      { name: 'ai.generateText.doGenerate', is_llm_call: 1 },
      { name: 'ai.generateText.doGenerate', is_llm_call: 1 },
      { name: 'ai.toolCall', is_llm_call: 0 },
    ]);
  });
});

describe('AI SDK 7 with @ai-sdk/anthropic 4.0: cache reads, writes and their TTL split', () => {
  const A = ANTHROPIC_USAGE;
  // The SDK reports input with the cache tokens (the OTel rule); Anthropic's own usage rides in
  // the provider metadata, with the writes split by TTL (here 600 5-minute, 400 1-hour).
  const tokens = { input: A.input_tokens + A.cache_read_input_tokens + A.cache_creation_input_tokens, output: A.output_tokens, cacheRead: A.cache_read_input_tokens, cacheWrite: A.cache_creation_input_tokens };
  const haiku = { provider: 'anthropic', requestModel: 'claude-3-5-haiku-20241022', price: ['anthropic', 'claude-3-5-haiku-latest'] as [string, string] };

  test('OpenTelemetry, defaults: no provider metadata on the span, so every write is priced at the 5-minute rate', async () => {
    const l = await run('ai7-otel-anthropic', 3);
    assert.deepEqual(l.calls, [expectedRow({ ...haiku, span: 'chat claude-3-5-haiku-20241022', convention: 'otel_genai', rawProvider: 'anthropic', tokens })]);
  });

  test('OpenTelemetry with providerMetadata: the 1-hour writes read from it', async () => {
    const l = await run('ai7-oteldetail-anthropic', 3);
    assert.deepEqual(l.calls, [
      expectedRow({ ...haiku, span: 'chat claude-3-5-haiku-20241022', convention: 'otel_genai', rawProvider: 'anthropic', tokens: { ...tokens, cacheWrite1h: A.cache_creation.ephemeral_1h_input_tokens }, session: 'session-7', user: 'user-7' }),
    ]);
  });

  test('LegacyOpenTelemetry: the 1-hour writes read from the provider metadata', async () => {
    const l = await run('ai7-legacy-anthropic', 2);
    assert.deepEqual(l.calls, [
      expectedRow({ ...haiku, span: 'ai.generateText.doGenerate', convention: 'vercel_ai', rawProvider: 'anthropic.messages', tokens: { ...tokens, cacheWrite1h: A.cache_creation.ephemeral_1h_input_tokens }, session: 'session-7', user: 'user-7' }),
    ]);
  });
});
