import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInstrumentedCall } from './helpers/instrumented-call';

test('Vercel AI SDK telemetry: the provider call counts once, never its outer generateText span', async () => {
  const result = await runInstrumentedCall(
    () => {
      // The AI SDK traces through the global tracer provider, registered by the helper.
    },
    async (baseURL) => {
      const { generateText } = require('ai') as typeof import('ai');
      const { createOpenAI } = require('@ai-sdk/openai') as typeof import('@ai-sdk/openai');
      const openai = createOpenAI({ baseURL, apiKey: 'test' });
      await generateText({
        model: openai.chat('gpt-4o-mini'),
        prompt: 'hi',
        experimental_telemetry: { isEnabled: true, functionId: 'summarize', metadata: { sessionId: 'session-7', userId: 'user-7' } },
      });
    },
  );
  assert.equal(result.stubRequests, 1);
  // The SDK reports 1200 input and 300 output tokens on the provider-call span (no cache
  // details in this version): 1200 x $0.15 + 300 x $0.60 per million.
  assert.deepEqual(result.calls, [
    {
      convention: 'vercel_ai', provider: 'openai', request_model: 'gpt-4o-mini', response_model: 'gpt-4o-mini', input_tokens: 1200, output_tokens: 300,
      cache_read_tokens: null, reasoning_tokens: null, cost_nano_usd: '360000', pricing_status: 'priced', session_id: 'session-7', user_id: 'user-7',
    },
  ]);
  assert.deepEqual(result.spans, [
    { name: 'ai.generateText', is_llm_call: 0 },
    { name: 'ai.generateText.doGenerate', is_llm_call: 1 },
  ]);
});
