import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileAllowlist } from './model-allowlist';

test('provider-qualified patterns, bare patterns, globs and groups', () => {
  const allowed = compileAllowlist(['openai/gpt-4o-mini', 'claude-*', '@cheap'], { cheap: ['gcp.gemini/gemini-2.5-flash*'] });
  assert.equal(allowed('openai', 'gpt-4o-mini'), true);
  assert.equal(allowed('openai', 'gpt-4o'), false);
  assert.equal(allowed('azure.ai.openai', 'gpt-4o-mini'), false);
  assert.equal(allowed('anthropic', 'claude-sonnet-4-20250514'), true);
  assert.equal(allowed('aws.bedrock', 'claude-3-haiku'), true);
  assert.equal(allowed('gcp.gemini', 'gemini-2.5-flash-lite'), true);
  assert.equal(allowed('gcp.gemini', 'gemini-2.5-pro'), false);
});

test('no list allows everything; an empty list allows nothing', () => {
  assert.equal(compileAllowlist(undefined, {})('openai', 'o3'), true);
  assert.equal(compileAllowlist([], {})('openai', 'o3'), false);
});
