import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { runOpenAiInstrumented } from './helpers/instrumented-call';

test('@opentelemetry/instrumentation-openai: one call, priced from the usage it reports', async () => {
  const result = await runOpenAiInstrumented(() => new OpenAIInstrumentation());
  assert.equal(result.stubRequests, 1);
  // This instrumentation reports input and output only (no cached or reasoning details), so
  // the 1200 input tokens are priced as uncached: 1200 x $0.15 + 300 x $0.60 per million.
  assert.deepEqual(result.calls, [
    {
      convention: 'otel_genai', provider: 'openai', request_model: 'gpt-4o-mini', response_model: 'gpt-4o-mini', input_tokens: 1200, output_tokens: 300,
      cache_read_tokens: null, reasoning_tokens: null, cost_nano_usd: '360000', pricing_status: 'priced', session_id: '', user_id: '',
    },
  ]);
});
