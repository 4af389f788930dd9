import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpenAIInstrumentation } from '@traceloop/instrumentation-openai';
import { runOpenAiInstrumented } from './helpers/instrumented-call';

test('@traceloop/instrumentation-openai (OpenLLMetry): one call, priced from the usage it reports', async () => {
  const result = await runOpenAiInstrumented(() => new OpenAIInstrumentation());
  assert.equal(result.stubRequests, 1);
  // It emits the current OTel GenAI names (gen_ai.provider.name, gen_ai.usage.*) and no
  // cache or reasoning details: 1200 x $0.15 + 300 x $0.60 per million.
  assert.deepEqual(result.calls, [
    {
      convention: 'otel_genai', provider: 'openai', request_model: 'gpt-4o-mini', response_model: 'gpt-4o-mini', input_tokens: 1200, output_tokens: 300,
      cache_read_tokens: null, reasoning_tokens: null, cost_nano_usd: '360000', pricing_status: 'priced', session_id: '', user_id: '',
    },
  ]);
});
