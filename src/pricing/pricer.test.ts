import { providerReportedNanoUsd } from './provider-cost';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Attributes, CallCost, LlmCall } from '../pipeline';
import { createCatalog } from './catalog';
import { createPriceBook, loadOverrides, PricesError } from './price-book';
import { createPricer } from './pricer';

// Golden cases: every expected figure is worked out by hand from the provider's published
// rate (USD per million tokens), as nano-USD = tokens x rate x 1000.
const testdata = path.resolve(__dirname, '..', '..', '..', 'testdata', 'prices');
const catalog = createCatalog();
const book = createPriceBook(catalog, loadOverrides(path.join(testdata, 'overrides.yaml')));
const price = createPricer(book, 'computed_or_reported');

interface CallSpec {
  provider: string;
  model: string;
  at?: string;
  input?: number | null;
  output?: number | null;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
  tier?: string;
  attributes?: Attributes;
}

function costOf(spec: CallSpec, priceWith = price): CallCost {
  const ms = Date.parse(spec.at ?? '2026-11-20T12:00:00Z');
  const call: LlmCall = {
    span: {
      traceId: '', spanId: '', parentSpanId: '', traceState: '', name: '', kind: 3,
      startTimeUnixNano: (BigInt(ms) * 1_000_000n).toString(), endTimeUnixNano: '0', statusCode: 0, statusMessage: '',
      attributes: spec.attributes ?? {}, resource: {}, scopeName: '', scopeVersion: '', events: [], links: [],
    },
    convention: 'otel_genai', operation: 'chat', provider: spec.provider, requestModel: spec.model, responseModel: '',
    inputTokens: spec.input === undefined ? 0 : spec.input, outputTokens: spec.output === undefined ? 0 : spec.output,
    cacheReadTokens: spec.cacheRead ?? null, cacheWriteTokens: spec.cacheWrite ?? null, reasoningTokens: spec.reasoning ?? null,
    requestId: '', responseId: '', sessionId: '', userId: '', errorType: '', httpStatusCode: null, serviceName: '', serviceNamespace: '',
    serviceVersion: '', deploymentEnvironment: '', latencyMs: 0, serviceTier: spec.tier ?? '', retryAttempt: 0,
  };
  priceWith([call]);
  return call.cost!;
}

function parts(c: CallCost): (bigint | null)[] {
  return [c.inputNanoUsd, c.cacheReadNanoUsd, c.cacheWriteNanoUsd, c.outputNanoUsd, c.reasoningNanoUsd, c.billedNanoUsd];
}

test('gpt-4o, plain: $2.50 in, $10 out per million', () => {
  const c = costOf({ provider: 'openai', model: 'gpt-4o', input: 1200, output: 300 });
  // 1200 x 2.5 x 1000 = 3,000,000; 300 x 10 x 1000 = 3,000,000
  assert.deepEqual(parts(c), [3_000_000n, 0n, 0n, 3_000_000n, 0n, 6_000_000n]);
  assert.equal(c.status, 'priced');
  assert.equal(c.priceSource, 'catalog');
  assert.match(c.priceVersion, /^genai-prices@[\d.]+:openai\/gpt-4o@base$/);
});

test('OpenAI with cached input: cached tokens at $1.25, the rest at $2.50, never both', () => {
  const c = costOf({ provider: 'openai', model: 'gpt-4o', input: 2000, cacheRead: 1500, output: 100 });
  // 500 x 2.5 = 1,250,000; 1500 x 1.25 = 1,875,000; 100 x 10 = 1,000,000
  assert.deepEqual(parts(c), [1_250_000n, 1_875_000n, 0n, 1_000_000n, 0n, 4_125_000n]);
});

test('Anthropic with cache read and cache write: $3 in, $0.30 read, $3.75 write, $15 out', () => {
  const c = costOf({ provider: 'anthropic', model: 'claude-sonnet-4-20250514', input: 10_000, cacheRead: 6000, cacheWrite: 3000, output: 500, at: '2026-11-10T00:00:00Z' });
  // 1000 x 3 = 3,000,000; 6000 x 0.3 = 1,800,000; 3000 x 3.75 = 11,250,000; 500 x 15 = 7,500,000
  assert.deepEqual(parts(c), [3_000_000n, 1_800_000n, 11_250_000n, 7_500_000n, 0n, 23_550_000n]);
});

test('a reasoning model: reasoning tokens are part of output, priced once, shown apart', () => {
  const c = costOf({ provider: 'openai', model: 'o3', input: 1000, output: 3000, reasoning: 2000 });
  // o3 since 2025-06-10: $2 in, $8 out. 1000 x 2 = 2,000,000; 1000 x 8 = 8,000,000; 2000 x 8 = 16,000,000
  assert.deepEqual(parts(c), [2_000_000n, 0n, 0n, 8_000_000n, 16_000_000n, 26_000_000n]);
  assert.match(c.priceVersion, /openai\/o3@2025-06-10$/);
});

test("the catalog's own price history applies by the call's start time", () => {
  const c = costOf({ provider: 'openai', model: 'o3', input: 1000, output: 3000, reasoning: 2000, at: '2025-05-01T00:00:00Z' });
  // before 2025-06-10: $10 in, $40 out. 1000 x 10 = 10,000,000; 1000 x 40 = 40,000,000; 2000 x 40 = 80,000,000
  assert.deepEqual(parts(c), [10_000_000n, 0n, 0n, 40_000_000n, 80_000_000n, 130_000_000n]);
  assert.match(c.priceVersion, /openai\/o3@base$/);
});

test('a long-context call crossing a tier: every token at the higher rate', () => {
  const long = costOf({ provider: 'gcp.gemini', model: 'gemini-2.5-pro', input: 250_000, output: 1000 });
  // above 200k input: $2.50 in, $15 out. 250,000 x 2.5 = 625,000,000; 1000 x 15 = 15,000,000
  assert.deepEqual(parts(long), [625_000_000n, 0n, 0n, 15_000_000n, 0n, 640_000_000n]);
  const short = costOf({ provider: 'gcp.gemini', model: 'gemini-2.5-pro', input: 150_000, output: 1000 });
  // $1.25 in, $10 out. 150,000 x 1.25 = 187,500,000; 1000 x 10 = 10,000,000
  assert.deepEqual(parts(short), [187_500_000n, 0n, 0n, 10_000_000n, 0n, 197_500_000n]);
});

test('a batch-tier call gets the batch override (50% off)', () => {
  const c = costOf({ provider: 'openai', model: 'gpt-4o', input: 1200, output: 300, tier: 'batch' });
  assert.deepEqual(parts(c), [1_500_000n, 0n, 0n, 1_500_000n, 0n, 3_000_000n]);
  assert.equal(c.priceSource, 'override');
  assert.match(c.priceVersion, /^override:openai-batch\+genai-prices@/);
  assert.equal(costOf({ provider: 'openai', model: 'gpt-4o', input: 1200, output: 300, tier: 'default' }).billedNanoUsd, 6_000_000n);
});

test('a 20% discount effective from mid-month prices calls before and after the date differently', () => {
  const spec = { provider: 'anthropic', model: 'claude-sonnet-4-20250514', input: 1000, output: 1000 };
  const before = costOf({ ...spec, at: '2026-11-14T23:59:59Z' });
  const after = costOf({ ...spec, at: '2026-11-15T00:00:00Z' });
  // full: 1000 x 3 + 1000 x 15 = 18,000,000; 80% of it: 14,400,000
  assert.equal(before.billedNanoUsd, 18_000_000n);
  assert.equal(before.priceSource, 'catalog');
  assert.deepEqual(parts(after), [2_400_000n, 0n, 0n, 12_000_000n, 0n, 14_400_000n]);
  assert.match(after.priceVersion, /^override:anthropic-enterprise-2026\+/);
});

test('a self-hosted model priced by the overrides file, rounded half-up per part', () => {
  const c = costOf({ provider: 'vllm', model: 'acme-llama-3-70b-ft', input: 3, output: 7 });
  // $0.0375 in: 3 x 37.5 = 112.5 -> 113; $0.15 out: 7 x 150 = 1050
  assert.deepEqual(parts(c), [113n, 0n, 0n, 1050n, 0n, 1163n]);
  assert.equal(c.priceVersion, 'override:llama-selfhosted');
});

test('a transfer multiplier scales the catalog price', () => {
  const c = costOf({ provider: 'mistral_ai', model: 'mistral-large-latest', input: 1000, output: 1000 });
  // catalog $2 in, $6 out, x1.1: 1000 x 2.2 = 2,200,000; 1000 x 6.6 = 6,600,000
  assert.deepEqual(parts(c), [2_200_000n, 0n, 0n, 6_600_000n, 0n, 8_800_000n]);
});

test('an unknown model is unpriced, never zero', () => {
  const c = costOf({ provider: 'openai', model: 'gpt-imaginary-9', input: 100, output: 100 });
  assert.equal(c.status, 'unpriced_unknown_model');
  assert.equal(c.billedNanoUsd, null);
  assert.equal(c.computedNanoUsd, null);
});

test('missing usage is unpriced_missing_usage', () => {
  const c = costOf({ provider: 'openai', model: 'gpt-4o', input: null, output: null });
  assert.equal(c.status, 'unpriced_missing_usage');
  assert.equal(c.billedNanoUsd, null);
});

test('a provider-reported cost is kept beside ours; billing decides which one counts', () => {
  const spec = { provider: 'openai', model: 'gpt-4o', input: 1200, output: 300, attributes: { 'gen_ai.usage.cost': '0.0071' } };
  const computed = costOf(spec);
  assert.equal(computed.billedNanoUsd, 6_000_000n);
  assert.equal(computed.providerReportedNanoUsd, 7_100_000n);
  const reportedBilling = createPricer(book, 'provider_reported');
  const reported = costOf(spec, reportedBilling);
  assert.equal(reported.status, 'provider_reported');
  assert.equal(reported.billedNanoUsd, 7_100_000n);
  assert.equal(reported.computedNanoUsd, 6_000_000n);
  // Unknown model: the reported cost is billed under computed_or_reported, nothing under computed.
  const unknown = { ...spec, model: 'gpt-imaginary-9', attributes: { 'llm.cost.total': '0.000000123456' } };
  assert.equal(costOf(unknown).billedNanoUsd, 123n);
  assert.equal(costOf(unknown).status, 'provider_reported');
  assert.equal(costOf(unknown, createPricer(book, 'computed')).billedNanoUsd, null);
});

test('an invalid overrides file names the override and field', () => {
  assert.throws(
    () => loadOverrides(path.join(testdata, 'invalid.yaml')),
    (err: unknown) => {
      assert.ok(err instanceof PricesError);
      assert.match(err.message, /overrides\[0\] "both": discountPercent: give either rates or discountPercent, not both/);
      assert.match(err.message, /overrides\[1\] "backwards": rates\.output: must be a non-negative decimal/);
      return true;
    },
  );
});

test('Int64 edge: a cost just inside Int64 is priced exactly; one just past it is never stored wrapped', () => {
  // gpt-4o output is $10 per million tokens = 10,000 nano-USD per token. Int64 max is
  // 9,223,372,036,854,775,807, so 922,337,203,685,477 tokens cost 9,223,372,036,854,770,000
  // nano-USD (inside) and 922,337,203,685,478 tokens cost 9,223,372,036,854,780,000 (outside).
  const inside = costOf({ provider: 'openai', model: 'gpt-4o', input: 0, output: 922_337_203_685_477 });
  assert.equal(inside.status, 'priced');
  assert.equal(inside.billedNanoUsd, 9_223_372_036_854_770_000n);
  const outside = costOf({ provider: 'openai', model: 'gpt-4o', input: 0, output: 922_337_203_685_478 });
  assert.equal(outside.status, 'unpriced_cost_overflow');
  assert.equal(outside.billedNanoUsd, null);
  assert.equal(outside.computedNanoUsd, null);
  assert.equal(outside.outputNanoUsd, null);
});

test('a provider-reported cost beyond Int64 is not taken as billed', () => {
  const c = costOf({ provider: 'openai', model: 'no-such-model-xyz', attributes: { 'gen_ai.usage.cost': '10000000000.5' } });
  assert.equal(c.providerReportedNanoUsd, null);
  assert.equal(c.billedNanoUsd, null);
  const ok = costOf({ provider: 'openai', model: 'no-such-model-xyz', attributes: { 'gen_ai.usage.cost': '9223372036.854775807' } });
  assert.equal(ok.providerReportedNanoUsd, 9_223_372_036_854_775_807n);
});

test("LiteLLM's and Pydantic AI's reported costs are read, exponent notation included", () => {

  // 0.0342 USD = 34,200,000 nano-USD.
  assert.equal(providerReportedNanoUsd({ 'gen_ai.cost.total_cost': '0.0342' }), 34_200_000n);
  assert.equal(providerReportedNanoUsd({ 'litellm.cost.total': '1.5' }), 1_500_000_000n);
  assert.equal(providerReportedNanoUsd({ 'operation.cost': '0.139692' }), 139_692_000n);
  // 5e-7 USD = 500 nano-USD; 1.25e-10 USD rounds to 0.
  assert.equal(providerReportedNanoUsd({ 'operation.cost': '5e-7' }), 500n);
  assert.equal(providerReportedNanoUsd({ 'operation.cost': '1.25e-10' }), 0n);
  assert.equal(providerReportedNanoUsd({ 'operation.cost': '-1e-3' }), null, 'a negative cost is not a cost');
});
