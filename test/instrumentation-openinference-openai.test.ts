import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import { runInstrumentedCall } from './helpers/instrumented-call';

test('@arizeai/openinference-instrumentation-openai: one call with cached and reasoning tokens priced apart', async () => {
  const result = await runInstrumentedCall(
    (provider) => {
      const inst = new OpenAIInstrumentation();
      inst.setTracerProvider(provider);
      inst.enable();
    },
    async (baseURL) => {
      const { default: OpenAI } = require('openai') as typeof import('openai');
      await new OpenAI({ baseURL, apiKey: 'test' }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    },
  );
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
