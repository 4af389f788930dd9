import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LlmCall } from '../pipeline';
import { createCatalog } from './catalog';
import { createEstimator } from './estimate';
import { createPriceBook } from './price-book';
import { priceCall, type PriceQuery } from './price-call';
import { callPriceQuery, createPricer } from './pricer';

const book = createPriceBook(createCatalog(), []);
const atMs = Date.parse('2026-11-03T10:00:00Z');
const sonnet: PriceQuery = {
  provider: 'anthropic', requestModel: 'claude-sonnet-4-5', responseModel: '', serviceTier: '', atMs,
  usage: { inputTokens: 10_000, outputTokens: 500, cacheReadTokens: 2000, cacheWriteTokens: 4000, reasoningTokens: null, cacheWrite1hTokens: 1000, webSearchCount: 2 },
  reportedNanoUsd: 40_000_000n, billing: 'computed_or_reported',
};

test('a price query is priced from its usage alone, the finer classes at their own rates', () => {
  const cost = priceCall(book, sonnet);
  // 4000 x $3 + 2000 x $0.30 + 3000 x $3.75 + 1000 x $6 + 500 x $15 per million, 2 searches x $10 per thousand
  assert.deepEqual(cost.componentsNanoUsd, { input: 12_000_000n, cache_read: 600_000n, cache_write: 11_250_000n, cache_write_1h: 6_000_000n, output: 7_500_000n, web_search: 20_000_000n });
  assert.equal(cost.status, 'priced');
  assert.equal(cost.billedNanoUsd, 57_350_000n);
  assert.equal(cost.listNanoUsd, 57_350_000n);
  assert.equal(cost.providerReportedNanoUsd, 40_000_000n);
  // The same query twice: the same cost (nothing is kept between calls).
  assert.deepEqual(priceCall(book, sonnet), cost);
});

test('the billing choice in the query decides between the computed and the reported cost', () => {
  assert.equal(priceCall(book, { ...sonnet, billing: 'provider_reported' }).billedNanoUsd, 40_000_000n);
  assert.equal(priceCall(book, { ...sonnet, billing: 'provider_reported', reportedNanoUsd: null }).billedNanoUsd, 57_350_000n);
  const unknown = { ...sonnet, requestModel: 'claude-imaginary-9' };
  assert.deepEqual([priceCall(book, unknown).status, priceCall(book, unknown).billedNanoUsd], ['provider_reported', 40_000_000n]);
  assert.deepEqual([priceCall(book, { ...unknown, billing: 'computed' }).status, priceCall(book, { ...unknown, billing: 'computed' }).billedNanoUsd], ['unpriced_unknown_model', null]);
});

test('the ingest pricer prices a call by its query: the same cost as priceCall', () => {
  const nanos = (BigInt(atMs) * 1_000_000n + 999_999n).toString();
  const call: LlmCall = {
    span: {
      traceId: '', spanId: '', parentSpanId: '', traceState: '', name: '', kind: 3, startTimeUnixNano: nanos, endTimeUnixNano: nanos, statusCode: 0, statusMessage: '',
      attributes: { 'gen_ai.usage.cost': '0.04' }, resource: {}, scopeName: '', scopeVersion: '', events: [], links: [],
    },
    convention: 'otel_genai', operation: 'chat', provider: 'anthropic', requestModel: 'claude-sonnet-4-5', responseModel: '',
    inputTokens: 10_000, outputTokens: 500, cacheReadTokens: 2000, cacheWriteTokens: 4000, reasoningTokens: null, cacheWrite1hTokens: 1000, webSearchCount: 2,
    requestId: '', responseId: '', sessionId: '', userId: '', errorType: '', httpStatusCode: null, serviceName: '', serviceNamespace: '',
    serviceVersion: '', deploymentEnvironment: '', latencyMs: 0, serviceTier: '', retryAttempt: 0,
  };
  const q = callPriceQuery(call, 'computed_or_reported');
  assert.deepEqual({ atMs: q.atMs, reported: q.reportedNanoUsd, models: [q.requestModel, q.responseModel] }, { atMs, reported: 40_000_000n, models: ['claude-sonnet-4-5', ''] });
  createPricer(book, 'computed_or_reported')([call]);
  assert.deepEqual(call.cost, priceCall(book, sonnet));
});

test('the policy estimate is the standard-tier computed cost, undefined when unpriced, Int64 max beyond it', () => {
  const estimate = createEstimator({ current: () => book });
  // gpt-4o: 1000 x $2.50 + 1000 x $10 per million
  assert.equal(estimate({ provider: 'openai', model: 'gpt-4o', inputTokens: 1000, outputTokens: 1000, atMs }), 12_500_000n);
  assert.equal(estimate({ provider: 'openai', model: 'gpt-imaginary-9', inputTokens: 1000, outputTokens: 1000, atMs }), undefined);
  // 2^53-1 output tokens at 10,000 nano-USD each is beyond Int64
  assert.equal(estimate({ provider: 'openai', model: 'gpt-4o', inputTokens: 0, outputTokens: Number.MAX_SAFE_INTEGER, atMs }), 9_223_372_036_854_775_807n);
});
