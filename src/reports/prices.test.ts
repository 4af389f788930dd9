import assert from 'node:assert/strict';
import { test } from 'node:test';
import { priceOrigin } from './prices';

test('a stored price version splits into its catalog entry, override, corrections and tier', () => {
  assert.deepEqual(priceOrigin('genai-prices@0.1.8:openai/gpt-4o@base'), {
    source: 'catalog', catalog: 'genai-prices@0.1.8', catalog_entry: 'openai/gpt-4o@base', override: '', corrections: [], tier: '',
  });
  assert.deepEqual(priceOrigin('genai-prices@0.1.8:anthropic/claude-sonnet-4-0@base+correction:claude-sonnet-4-long-context+tier:azure-batch'), {
    source: 'catalog', catalog: 'genai-prices@0.1.8', catalog_entry: 'anthropic/claude-sonnet-4-0@base', override: '', corrections: ['claude-sonnet-4-long-context'], tier: 'azure-batch',
  });
  assert.deepEqual(priceOrigin('override:acme-contract-2026+genai-prices@0.1.8:openai/gpt-4o@base'), {
    source: 'override', catalog: 'genai-prices@0.1.8', catalog_entry: 'openai/gpt-4o@base', override: 'acme-contract-2026', corrections: [], tier: '',
  });
  assert.deepEqual(priceOrigin('override:in-house-llm'), { source: 'override', catalog: '', catalog_entry: '', override: 'in-house-llm', corrections: [], tier: '' });
  assert.deepEqual(priceOrigin(''), { source: '', catalog: '', catalog_entry: '', override: '', corrections: [], tier: '' });
  assert.equal(priceOrigin('something-else').source, 'other');
});
