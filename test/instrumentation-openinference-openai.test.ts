import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import { runOpenAiInstrumented } from './helpers/instrumented-call';

test('@arizeai/openinference-instrumentation-openai: one call with cached and reasoning tokens priced apart', async () => {
  const result = await runOpenAiInstrumented(() => new OpenAIInstrumentation());
  assert.equal(result.stubRequests, 1);
  // The stub's usage: 1200 prompt tokens of which 800 cached, 300 completion of which 100
  // reasoning. gpt-4o-mini: 400 x $0.15 + 800 x $0.075 + 200 x $0.60 + 100 x $0.60 per million
  // = 60,000 + 60,000 + 120,000 + 60,000 nano-USD.
  assert.deepEqual(result.calls, [
    {
      convention: 'openinference', provider: 'openai', request_model: 'gpt-4o-mini', response_model: 'gpt-4o-mini', input_tokens: 1200, output_tokens: 300,
      cache_read_tokens: 800, reasoning_tokens: 100, cost_nano_usd: '300000', pricing_status: 'priced', session_id: '', user_id: '',
    },
  ]);
});
