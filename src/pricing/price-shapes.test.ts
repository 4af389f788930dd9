import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallCost, LlmCall } from '../pipeline';
import { createCatalog } from './catalog';
import { unitsByClass } from './compute-cost';
import { loadCorrections } from './corrections';
import { createPriceBook } from './price-book';
import { overridesSchema } from './overrides-schema';
import { createPricer } from './pricer';

// Golden cases for every price shape. Each expected figure is worked out by hand from the
// published rate: nano-USD = units x (USD per block) x 10^9 / block (a million tokens, a
// thousand requests or searches). The catalog is @pydantic/genai-prices 0.1.8 with the
// shipped corrections and service-tier table (prices/).

const catalog = createCatalog();
const book = createPriceBook(catalog, []);
const price = createPricer(book, 'computed');

type Spec = Partial<LlmCall> & { at?: string; model?: string };

function costOf(spec: Spec, priceWith = price): CallCost {
  const ms = Date.parse(spec.at ?? '2026-11-20T12:00:00Z');
  const call: LlmCall = {
    span: {
      traceId: '', spanId: '', parentSpanId: '', traceState: '', name: '', kind: 3,
      startTimeUnixNano: (BigInt(ms) * 1_000_000n).toString(), endTimeUnixNano: '0', statusCode: 0, statusMessage: '',
      attributes: {}, resource: {}, scopeName: '', scopeVersion: '', events: [], links: [],
    },
    convention: 'otel_genai', operation: 'chat', provider: '', requestModel: spec.model ?? '', responseModel: '',
    inputTokens: 0, outputTokens: 0, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null,
    requestId: '', responseId: '', sessionId: '', userId: '', errorType: '', httpStatusCode: null, serviceName: '', serviceNamespace: '',
    serviceVersion: '', deploymentEnvironment: '', latencyMs: 0, serviceTier: '', retryAttempt: 0,
    ...spec,
  };
  priceWith([call]);
  const cost = call.cost!;
  if (cost.computedNanoUsd !== null) {
    // The components are the exact decomposition of the computed cost.
    const sum = Object.values(cost.componentsNanoUsd ?? {}).reduce((a, b) => a + b, 0n);
    assert.equal(sum, cost.computedNanoUsd, 'components sum to the computed cost');
  }
  return cost;
}

const components = (c: CallCost) => ({ ...c.componentsNanoUsd });

test('reasoning tokens at their own rate: sonar-deep-research bills reasoning at $3, not its $8 output rate', () => {
  const c = costOf({ provider: 'perplexity', model: 'sonar-deep-research', inputTokens: 1000, outputTokens: 5000, reasoningTokens: 3000, citationTokens: 1000, webSearchCount: 2 });
  // input 1000 x $2 = 2,000,000; reasoning 3000 x $3 = 9,000,000; citations 1000 x $2 = 2,000,000;
  // text output 5000 - 3000 - 1000 = 1000 x $8 = 8,000,000; 2 searches x $5 / 1000 = 10,000,000
  assert.deepEqual(components(c), { input: 2_000_000n, reasoning: 9_000_000n, output_citation: 2_000_000n, output: 8_000_000n, web_search: 10_000_000n });
  assert.equal(c.billedNanoUsd, 31_000_000n);
  assert.deepEqual([c.inputNanoUsd, c.cacheReadNanoUsd, c.cacheWriteNanoUsd, c.outputNanoUsd, c.reasoningNanoUsd], [2_000_000n, 0n, 0n, 10_000_000n, 9_000_000n]);
  assert.equal(c.status, 'priced');
});

test('1-hour cache writes at 2x input, 5-minute ones at 1.25x (claude-sonnet-4-5)', () => {
  const c = costOf({ provider: 'anthropic', model: 'claude-sonnet-4-5', inputTokens: 10_000, cacheReadTokens: 2000, cacheWriteTokens: 4000, cacheWrite1hTokens: 1000, outputTokens: 500 });
  // uncached 10,000 - 2000 - 4000 = 4000 x $3 = 12,000,000; read 2000 x $0.30 = 600,000;
  // 5m writes 3000 x $3.75 = 11,250,000; 1h writes 1000 x $6 = 6,000,000; output 500 x $15 = 7,500,000
  assert.deepEqual(components(c), { input: 12_000_000n, cache_read: 600_000n, cache_write: 11_250_000n, cache_write_1h: 6_000_000n, output: 7_500_000n });
  assert.equal(c.billedNanoUsd, 37_350_000n);
  assert.equal(c.cacheWriteNanoUsd, 17_250_000n);
  const units = unitsByClass({ inputTokens: 10_000, cacheReadTokens: 2000, cacheWriteTokens: 4000, cacheWrite1hTokens: 1000, outputTokens: 500, reasoningTokens: null });
  assert.deepEqual([units.input, units.cacheRead, units.cacheWrite, units.cacheWrite1h, units.output], [4000n, 2000n, 3000n, 1000n, 500n]);
});

test('a Claude entry without a 1-hour rate gets twice its input rate (Vertex claude-3-7-sonnet)', () => {
  const c = costOf({ provider: 'gcp.vertex_ai', model: 'claude-3-7-sonnet', inputTokens: 1000, cacheWriteTokens: 1000, cacheWrite1hTokens: 1000, outputTokens: 0 });
  // catalog: $3 input, $3.75 cache write, no 1h rate; 1000 x (2 x $3) = 6,000,000
  assert.deepEqual(components(c), { cache_write_1h: 6_000_000n });
});

test('audio tokens at the audio rates, cached audio at its own (gpt-realtime)', () => {
  const c = costOf({ provider: 'openai', model: 'gpt-realtime', inputTokens: 3000, cacheReadTokens: 800, audioInputTokens: 2000, audioCacheReadTokens: 500, outputTokens: 1500, audioOutputTokens: 1000 });
  // cached: 500 audio x $0.40 = 200,000 and 300 text x $0.40 = 120,000; uncached audio 2000 - 500 = 1500 x $32 = 48,000,000;
  // text input 3000 - 800 - 1500 = 700 x $4 = 2,800,000; audio out 1000 x $64 = 64,000,000; text out 500 x $16 = 8,000,000
  assert.deepEqual(components(c), { input: 2_800_000n, cache_read: 120_000n, cache_read_audio: 200_000n, input_audio: 48_000_000n, output: 8_000_000n, output_audio: 64_000_000n });
  assert.equal(c.billedNanoUsd, 123_120_000n);
});

test('image input tokens at the image rate (gpt-image-1)', () => {
  const c = costOf({ provider: 'openai', model: 'gpt-image-1', inputTokens: 1000, imageInputTokens: 600, outputTokens: 200 });
  // 600 x $10 = 6,000,000; text 400 x $5 = 2,000,000; output 200 x $40 = 8,000,000
  assert.deepEqual(components(c), { input: 2_000_000n, input_image: 6_000_000n, output: 8_000_000n });
  assert.equal(c.billedNanoUsd, 16_000_000n);
});

test('tool fees: web searches at $10 and file searches at $2.50 per thousand (gpt-4.1)', () => {
  const c = costOf({ provider: 'openai', model: 'gpt-4.1', inputTokens: 1000, outputTokens: 100, webSearchCount: 3, fileSearchCount: 4 });
  // 1000 x $2 = 2,000,000; 100 x $8 = 800,000; 3 x $10 / 1000 = 30,000,000; 4 x $2.50 / 1000 = 10,000,000
  assert.deepEqual(components(c), { input: 2_000_000n, output: 800_000n, web_search: 30_000_000n, file_search: 10_000_000n });
  assert.equal(c.billedNanoUsd, 42_800_000n);
});

test('a per-request fee is billed once per call (sonar-pro, $14 per thousand requests)', () => {
  const c = costOf({ provider: 'perplexity', model: 'sonar-pro', inputTokens: 1000, outputTokens: 500 });
  // 1000 x $3 = 3,000,000; 500 x $15 = 7,500,000; 1 request x $14 / 1000 = 14,000,000
  assert.deepEqual(components(c), { input: 3_000_000n, output: 7_500_000n, request_fee: 14_000_000n });
  assert.equal(c.billedNanoUsd, 24_500_000n);
  // A model without a request fee has none.
  assert.equal(costOf({ provider: 'openai', model: 'gpt-4.1', inputTokens: 1, outputTokens: 0 }).componentsNanoUsd?.request_fee, undefined);
});

test('pages, messages and seconds: OCR pages and annotations, a voice session, transcription with a minimum', () => {
  const ocr = costOf({ provider: 'mistral_ai', model: 'mistral-ocr-latest', inputTokens: null, outputTokens: null, documentPageCount: 10, annotatedDocumentPageCount: 2 });
  // from 2026-06-23: $4 per 1000 pages, $5 per 1000 annotated pages; the 2 annotated are among the 10:
  // 8 x 4 / 1000 = 32,000,000; 2 x 5 / 1000 = 10,000,000
  assert.deepEqual(components(ocr), { document_page: 32_000_000n, annotated_document_page: 10_000_000n });
  assert.equal(ocr.status, 'priced');
  const voice = costOf({ provider: 'x_ai', model: 'grok-voice-latest', inputTokens: null, outputTokens: null, audioSeconds: 60, textMessageCount: 3 });
  // from 2026-08-05: $4.80 per hour: 60 s = 80,000,000; $4 per 1000 messages: 3 = 12,000,000
  assert.deepEqual(components(voice), { text_message: 12_000_000n, audio_seconds: 80_000_000n });
  const groq = costOf({ provider: 'groq', model: 'whisper-large-v3-turbo', inputTokens: null, outputTokens: null, audioSeconds: 4 });
  // Groq bills 10 s at least: 10 x $0.04 / 3600 = 111,111.1 -> 111,111
  assert.deepEqual(components(groq), { audio_seconds: 111_111n });
  const whisper = costOf({ provider: 'openai', model: 'whisper-1', inputTokens: null, outputTokens: null, audioSeconds: 4 });
  // no minimum: 4 x $0.36 / 3600 = 400,000
  assert.deepEqual(components(whisper), { audio_seconds: 400_000n });
});

test('service tiers: flex at half, priority at its published rates, batch at half, an unpublished tier unpriced', () => {
  const gpt4o = { provider: 'openai', model: 'gpt-4o', inputTokens: 1200, cacheReadTokens: 200, outputTokens: 300 };
  // standard: 1000 x $2.50 = 2,500,000; 200 x $1.25 = 250,000; 300 x $10 = 3,000,000 (5,750,000)
  assert.equal(costOf({ ...gpt4o, serviceTier: 'default' }).billedNanoUsd, 5_750_000n);
  const flex = costOf({ ...gpt4o, serviceTier: 'flex' });
  // flex is half of every class: 1,250,000 + 125,000 + 1,500,000
  assert.deepEqual(components(flex), { input: 1_250_000n, cache_read: 125_000n, output: 1_500_000n });
  assert.match(flex.priceVersion, /openai\/gpt-4o@base\+tier:openai-flex$/);
  assert.equal(flex.listNanoUsd, 2_875_000n, 'a catalog price is its own list price, on the call tier');
  // the tier discounts tokens, not tool fees: one web search stays $10 / 1000 = 10,000,000
  assert.equal(costOf({ ...gpt4o, serviceTier: 'flex', webSearchCount: 1 }).componentsNanoUsd?.web_search, 10_000_000n);
  const priority = costOf({ ...gpt4o, serviceTier: 'priority' });
  // priority $4.25 / $2.125 / $17: 4,250,000 + 425,000 + 5,100,000
  assert.deepEqual(components(priority), { input: 4_250_000n, cache_read: 425_000n, output: 5_100_000n });
  assert.equal(priority.billedNanoUsd, 9_775_000n);
  // Azure flex on azure/gpt-4o ($2.50 / $10): 1000 x $1.25 + 100 x $5 = 1,250,000 + 500,000
  assert.equal(costOf({ provider: 'azure.ai.openai', model: 'gpt-4o', inputTokens: 1000, outputTokens: 100, serviceTier: 'flex' }).billedNanoUsd, 1_750_000n);
  const batch = costOf({ provider: 'anthropic', model: 'claude-sonnet-4-5', inputTokens: 1000, outputTokens: 100, serviceTier: 'batch' });
  // 1000 x $1.50 = 1,500,000; 100 x $7.50 = 750,000
  assert.equal(batch.billedNanoUsd, 2_250_000n);
  for (const [provider, model, tier] of [['anthropic', 'claude-sonnet-4-5', 'priority'], ['openai', 'o3-mini', 'priority'], ['openai', 'gpt-4o', 'scale']] as const) {
    const c = costOf({ provider, model, inputTokens: 1000, outputTokens: 100, serviceTier: tier });
    assert.equal(c.status, 'unpriced_unknown_tier', `${provider}/${model} ${tier}`);
    assert.equal(c.billedNanoUsd, null);
    assert.equal(c.computedNanoUsd, null);
  }
});

test('an Azure deployment name as request model: its surcharge override wins over the catalog match on the response model', () => {
  const overrides = overridesSchema.parse({
    overrides: [
      { id: 'contoso-eu-surcharge', provider: 'azure.ai.openai', model: 'contoso-gpt4o-eu', multiplier: '1.15' },
      { id: 'contoso-us-discount', provider: 'azure.ai.openai', model: 'contoso-gpt4o-us', discountPercent: 20 },
      { id: 'gpt-4o-discount', provider: 'azure.ai.openai', model: 'gpt-4o*', discountPercent: 10 },
    ],
  }).overrides;
  const priced = createPricer(createPriceBook(catalog, overrides), 'computed');
  const call = { provider: 'azure.ai.openai', requestModel: 'contoso-gpt4o-eu', responseModel: 'gpt-4o-2024-11-20', inputTokens: 1000, outputTokens: 1000 };
  const eu = costOf(call, priced);
  // base: the catalog's azure/gpt-4o (the model the call ran), $2.50 / $10; x1.15: 1000 x $2.875 = 2,875,000; 1000 x $11.50 = 11,500,000
  assert.deepEqual(components(eu), { input: 2_875_000n, output: 11_500_000n });
  assert.equal(eu.priceSource, 'override');
  assert.match(eu.priceVersion, /^override:contoso-eu-surcharge\+genai-prices@[\d.]+:azure\/gpt-4o@base$/);
  // its list price (FOCUS ListCost) is the catalog's, before the override: 2,500,000 + 10,000,000
  assert.equal(eu.listNanoUsd, 12_500_000n);
  // A discount reached through the request model takes its base from the response model too: 80% of (2,500,000 + 10,000,000)
  const us = costOf({ ...call, requestModel: 'contoso-gpt4o-us' }, priced);
  assert.equal(us.billedNanoUsd, 10_000_000n);
  assert.match(us.priceVersion, /^override:contoso-us-discount\+genai-prices@[\d.]+:azure\/gpt-4o@base$/);
  // Another deployment falls to the next override in file order, matched on the response model: 90% of 12,500,000
  const other = costOf({ ...call, requestModel: 'contoso-gpt4o-apac' }, priced);
  assert.equal(other.billedNanoUsd, 11_250_000n);
  assert.match(other.priceVersion, /^override:gpt-4o-discount\+/);
});

test('a corrected catalog entry: DeepSeek ended its nighttime discount at 16:00 UTC on 2025-09-05', () => {
  const spec = { provider: 'deepseek', model: 'deepseek-chat', inputTokens: 1_000_000, cacheReadTokens: 200_000, outputTokens: 100_000, at: '2025-09-05T17:00:00Z' };
  const corrected = costOf(spec);
  // 800,000 x $0.56 = 448,000,000; 200,000 x $0.07 = 14,000,000; 100,000 x $1.68 = 168,000,000
  assert.deepEqual(components(corrected), { input: 448_000_000n, cache_read: 14_000_000n, output: 168_000_000n });
  assert.match(corrected.priceVersion, /deepseek\/deepseek-chat@base\+correction:deepseek-chat-v3\.1$/);
  // The catalog alone still bills the nighttime discount ($0.135 / $0.035 / $0.55): 108,000,000 + 7,000,000 + 55,000,000
  const uncorrected = createPricer(createPriceBook(createCatalog({ version: '', entries: [] }), []), 'computed');
  assert.equal(costOf(spec, uncorrected).billedNanoUsd, 170_000_000n);
});

test('a corrected catalog entry: Claude Sonnet 4 over 200K input tokens at the long-context rates', () => {
  const c = costOf({ provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputTokens: 250_000, outputTokens: 1000 });
  // every token at $6 in, $22.50 out: 250,000 x 6 = 1,500,000,000; 1000 x 22.5 = 22,500,000
  assert.equal(c.billedNanoUsd, 1_522_500_000n);
  assert.equal(costOf({ provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputTokens: 200_000, outputTokens: 1000 }).billedNanoUsd, 615_000_000n);
  // at 200,000 (not above): 200,000 x 3 = 600,000,000; 1000 x 15 = 15,000,000
});

test('a corrected launch-period cached rate: GLM-5.3-Flash at list price after its promotion ended at 16:00 UTC on 2026-09-09', () => {
  const spec = { provider: 'zai', model: 'glm-5.3-flash', inputTokens: 1_000_000, cacheReadTokens: 500_000, outputTokens: 1_000_000 };
  // promotion (catalog): 500,000 x $0.075 = 37,500,000; 500,000 x $0.015 = 7,500,000; 1,000,000 x $0.25 = 250,000,000
  assert.deepEqual(components(costOf({ ...spec, at: '2026-09-09T15:59:59.999Z' })), { input: 37_500_000n, cache_read: 7_500_000n, output: 250_000_000n });
  // list: 500,000 x $0.15 = 75,000,000; 500,000 x $0.03 = 15,000,000; 1,000,000 x $0.50 = 500,000,000
  const listed = costOf({ ...spec, at: '2026-09-09T16:00:00.000Z' });
  assert.deepEqual(components(listed), { input: 75_000_000n, cache_read: 15_000_000n, output: 500_000_000n });
  assert.match(listed.priceVersion, /zai\/GLM-5\.3-Flash@base\+correction:glm-5\.3-flash-launch-promotion-ended$/);
});

test('an intraday price change is honoured to the millisecond, on the same catalog instance', () => {
  const flash = { provider: 'deepseek', model: 'deepseek-v4-flash', inputTokens: 1_000_000, outputTokens: 1_000_000 };
  // until 16:00 UTC on 2026-08-16: $0.14 / $0.28 -> 140,000,000 + 280,000,000
  assert.equal(costOf({ ...flash, at: '2026-08-16T15:59:59.999Z' }).billedNanoUsd, 420_000_000n);
  // from 16:00 (off-peak): $0.22 / $0.66 -> 220,000,000 + 660,000,000
  assert.equal(costOf({ ...flash, at: '2026-08-16T16:00:00.000Z' }).billedNanoUsd, 880_000_000n);
  // the day after, 02:00 UTC is a peak hour: $0.44 / $1.32 (the catalog's own entry from 2026-08-17)
  assert.equal(costOf({ ...flash, at: '2026-08-17T02:00:00Z' }).billedNanoUsd, 1_760_000_000n);
  // before the change the catalog's peak window does not apply: 02:00 on 2026-08-16 is still $0.14 / $0.28
  assert.equal(costOf({ ...flash, at: '2026-08-16T02:00:00Z' }).billedNanoUsd, 420_000_000n);
  const chat = { provider: 'deepseek', model: 'deepseek-chat', inputTokens: 1_000_000, outputTokens: 1_000_000 };
  // 15:59:59.999 is the catalog's standard window ($0.27 / $1.10); 16:00 the corrected list ($0.56 / $1.68)
  assert.equal(costOf({ ...chat, at: '2025-09-05T15:59:59.999Z' }).billedNanoUsd, 1_370_000_000n);
  assert.equal(costOf({ ...chat, at: '2025-09-05T16:00:00.000Z' }).billedNanoUsd, 2_240_000_000n);
});

test('an override starting at a time of day applies from that millisecond', () => {
  const overrides = overridesSchema.parse({ overrides: [{ id: 'noon-cut', provider: 'openai', model: 'gpt-4o', effectiveFrom: '2026-11-20T13:30:00Z', rates: { input: '2', output: '8' } }] }).overrides;
  const priced = createPricer(createPriceBook(catalog, overrides), 'computed');
  const spec = { provider: 'openai', model: 'gpt-4o', inputTokens: 1000, outputTokens: 1000 };
  // before: 1000 x 2.5 + 1000 x 10 = 12,500,000; after: 1000 x 2 + 1000 x 8 = 10,000,000
  assert.equal(costOf({ ...spec, at: '2026-11-20T13:29:59.999Z' }, priced).billedNanoUsd, 12_500_000n);
  assert.equal(costOf({ ...spec, at: '2026-11-20T13:30:00.000Z' }, priced).billedNanoUsd, 10_000_000n);
});

test('Int64 edge with counts beyond 2^53: just inside is priced exactly, just outside is unpriced_cost_overflow', () => {
  // web searches on gpt-4o cost $10 per thousand = 10,000,000 nano-USD each. Int64 max is
  // 9,223,372,036,854,775,807: 922,337,203,685 searches cost 9,223,372,036,850,000,000 (inside),
  // 922,337,203,686 cost 9,223,372,036,860,000,000 (outside). The token count is past 2^53 and exact.
  const big = 2n ** 53n + 1n;
  const inside = costOf({ provider: 'openai', model: 'gpt-4o', inputTokens: 0, outputTokens: 0, webSearchCount: 922_337_203_685 });
  assert.equal(inside.billedNanoUsd, 9_223_372_036_850_000_000n);
  assert.equal(inside.status, 'priced');
  const outside = costOf({ provider: 'openai', model: 'gpt-4o', inputTokens: 0, outputTokens: 0, webSearchCount: 922_337_203_686 });
  assert.equal(outside.status, 'unpriced_cost_overflow');
  assert.equal(outside.billedNanoUsd, null);
  assert.equal(outside.componentsNanoUsd, undefined);
  // 2^53 + 1 input tokens on gpt-4o-mini at $0.15 per million: 9,007,199,254,740,993 x 150 =
  // 1,351,079,888,211,148,950 nano-USD, exact (a float would have lost the last token).
  const exact = costOf({ provider: 'openai', model: 'gpt-4o-mini', inputTokens: big as unknown as number, outputTokens: 0 });
  assert.equal(exact.billedNanoUsd, 1_351_079_888_211_148_950n);
});

test('an override can price any class, fees included (a self-hosted model with a request fee and web search)', () => {
  const overrides = overridesSchema.parse({
    overrides: [{ id: 'gateway-llama', provider: '*', model: 'acme-llama-*', rates: { input: '0.10', output: '0.20', request: '0.5', webSearch: '4' } }],
  }).overrides;
  const c = costOf({ provider: 'vllm', model: 'acme-llama-3', inputTokens: 1000, outputTokens: 1000, webSearchCount: 1 }, createPricer(createPriceBook(catalog, overrides), 'computed'));
  // 1000 x $0.10 = 100,000; 1000 x $0.20 = 200,000; 1 request x $0.50 / 1000 = 500,000; 1 search x $4 / 1000 = 4,000,000
  assert.deepEqual(components(c), { input: 100_000n, output: 200_000n, request_fee: 500_000n, web_search: 4_000_000n });
  assert.equal(c.priceVersion, 'override:gateway-llama');
  assert.equal(c.listNanoUsd, null, 'a model only an override prices has no list price');
});

test('the shipped corrections file is valid and every entry names a real catalog entry and a source', () => {
  const { version, entries } = loadCorrections();
  assert.match(version, /^\d{4}-\d{2}-\d{2}$/);
  assert.ok(entries.length > 0 && entries.length <= 12, 'short enough to send upstream');
  for (const e of entries) {
    assert.match(e.entry.source, /^https:\/\//, e.id);
    // In force at an instant of its interval, it applies to the catalog entry it names.
    const at = e.entry.effectiveFrom ?? e.entry.effectiveTo! - 1;
    const price = catalog.priceAt(e.provider, e.model, at);
    assert.ok(price !== undefined, `${e.id}: ${e.provider}/${e.model} is in the catalog`);
    assert.match(price.version, new RegExp(`:${e.provider}/${e.model.replace(/\./g, '\\.')}@[^+]+\\+correction:${e.id.replace(/\./g, '\\.')}$`), e.id);
  }
});
