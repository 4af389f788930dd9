import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { runAppScenario } from './helpers/app-ledger';
import { ensureAppInstalled } from './helpers/current-otel-app';
import { expectedRow } from './helpers/expected-rows';
import { STUB_USAGE } from './helpers/openai-stub';

// The current OTel JS line: test/fixtures/current-otel-app/app.mjs starts
// @opentelemetry/sdk-node 0.301 (SDK 3.x, Node >= 22.15, run under the Node 22 binary from
// npm) with one instrumentation and the 0.301 exporter, then makes one call against the
// loopback provider stub.

before(ensureAppInstalled);

const OPENAI = { input: STUB_USAGE.prompt_tokens, output: STUB_USAGE.completion_tokens };
const OPENAI_FULL = { ...OPENAI, cacheRead: STUB_USAGE.prompt_tokens_details.cached_tokens, reasoning: STUB_USAGE.completion_tokens_details.reasoning_tokens };
const gpt = { provider: 'openai', requestModel: 'gpt-4o-mini', price: ['openai', 'gpt-4o-mini'] as [string, string] };

describe('NodeSDK 3.x with @opentelemetry/instrumentation-openai 0.22 (openai 6.49: 0.22 patches openai < 7)', () => {
  for (const protocol of ['http/protobuf', 'grpc'] as const) {
    test(`exported over OTLP ${protocol}: one call, input and output only`, async () => {
      const l = await runAppScenario('node22', 'openai-instrumentation', 1, protocol);
      assert.equal(l.stub.length, 1);
      // No cached or reasoning detail: the cached tokens are priced as uncached input.
      assert.deepEqual(l.calls, [expectedRow({ ...gpt, span: 'chat gpt-4o-mini', convention: 'otel_genai', rawProvider: 'openai', tokens: OPENAI })]);
      assert.deepEqual(l.spans, [{ name: 'chat gpt-4o-mini', is_llm_call: 1 }]);
    });
  }
});

describe('NodeSDK 3.x with @opentelemetry/instrumentation-openai 0.22, streamed', () => {
  test('stream_options.include_usage: the usage of the last chunk is read', async () => {
    const l = await runAppScenario('node22', 'openai-instrumentation-stream', 1);
    assert.deepEqual(l.stub.map((r) => [r.path, r.body.stream]), [['/v1/chat/completions', true]]);
    assert.deepEqual(l.calls, [expectedRow({ ...gpt, span: 'chat gpt-4o-mini', convention: 'otel_genai', rawProvider: 'openai', tokens: OPENAI })]);
  });
});

describe('NodeSDK 3.x with @arizeai/openinference-instrumentation-langchain 4.1 (@langchain/openai 1.6)', () => {
  test('ChatOpenAI.invoke: one call with every token class, the provider from LangChain\'s ls_provider', async () => {
    const l = await runAppScenario('node22', 'openinference-langchain', 1);
    assert.deepEqual(l.stub.map((r) => r.path), ['/v1/chat/completions']);
    // The span names no llm.provider or llm.system; LangChain's metadata says ls_provider=openai.
    assert.deepEqual(l.calls, [expectedRow({ ...gpt, span: 'ChatOpenAI', convention: 'openinference', rawProvider: 'openai', tokens: OPENAI_FULL })]);
    assert.deepEqual(l.spans, [{ name: 'ChatOpenAI', is_llm_call: 1 }]);
  });
});

describe('NodeSDK 3.x with @arizeai/openinference-instrumentation-openai 4.2 and the current openai 7.59', () => {
  test('one call with every token class', async () => {
    const l = await runAppScenario('node22', 'openinference-openai7', 1);
    assert.deepEqual(l.calls, [expectedRow({ ...gpt, span: 'OpenAI Chat Completions', convention: 'openinference', rawProvider: 'openai', tokens: OPENAI_FULL })]);
  });
});
