import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeCallsTo } from '../src/ledger';
import { createOwnershipStage, createResolver } from '../src/ownership';
import type { ExportContext, NormalizedCall } from '../src/pipeline';
import { createPricer, createPricingStage } from '../src/pricing';
import { killAll, runCli } from './helpers/cli-process';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { ADMIN_TOKEN, startTestService, type TestService } from './helpers/test-service';

// Price shapes end to end: OTLP spans through the real receiver, priced, stored in chDB, read
// back with their per-class components. Each figure: units x (USD per block) x 10^9 / block.
after(killAll);

interface Row {
  pricing_status: string;
  cost: string | null;
  components: Record<string, string>;
  units: Record<string, string>;
  price_version: string;
  service_tier: string;
  list_cost: string | null;
}

describe('price shapes through the receiver and the ledger', () => {
  let svc: TestService;
  let url: string;
  before(async () => {
    const prices = path.join(mkdtempSync(path.join(tmpdir(), 'spanledger-shapes-')), 'prices.yaml');
    writeFileSync(prices, `overrides:
  - id: contoso-eu-surcharge
    provider: azure.ai.openai
    model: contoso-gpt4o-eu
    multiplier: "1.15"
`);
    // The intraday cases are in 2025 and 2026: a receiver window wide enough for them.
    svc = await startTestService({ pricing: { prices }, receiver: { maxSpanAgeDays: 30_000 } });
    url = `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
  });
  after(async () => {
    await svc.stop();
  });

  const send = async (attributes: Record<string, string | number>, at?: string): Promise<Row> => {
    const traceId = newTraceId();
    const startUnixNano = at === undefined ? undefined : BigInt(Date.parse(at)) * 1_000_000n;
    const res = await fetch(url, { method: 'POST', body: encodeRequest([{ traceId, spanId: newSpanId(), name: 'chat', attributes, startUnixNano }]), headers: { 'content-type': 'application/x-protobuf' } });
    assert.equal(res.status, 200);
    const rows = await svc.rows<Row>(
      `SELECT pricing_status, toString(cost_nano_usd) AS cost, mapApply((k, v) -> (k, toString(v)), cost_components) AS components,
         mapApply((k, v) -> (k, toString(v)), usage_details) AS units, price_version, service_tier,
         toString(list_cost_nano_usd) AS list_cost
       FROM llm_calls FINAL WHERE trace_id = {t:String}`,
      { t: traceId },
    );
    assert.equal(rows.length, 1);
    return rows[0]!;
  };

  test('a flex call is billed at half the standard rates, and its components are stored', async () => {
    const row = await send({
      'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'openai.request.service_tier': 'flex', 'openai.response.service_tier': 'flex',
      'gen_ai.usage.input_tokens': 1200, 'gen_ai.usage.cache_read.input_tokens': 200, 'gen_ai.usage.output_tokens': 300,
    });
    // 1000 x $1.25 = 1,250,000; 200 x $0.625 = 125,000; 300 x $5 = 1,500,000
    assert.equal(row.pricing_status, 'priced');
    assert.equal(row.service_tier, 'flex');
    assert.equal(row.cost, '2875000');
    assert.deepEqual(row.components, { input: '1250000', cache_read: '125000', output: '1500000' });
    assert.deepEqual(row.units, {}, 'no finer usage reported');
    assert.match(row.price_version, /\+tier:openai-flex$/);
  });

  test('reasoning tokens of o3 at its output rate, shown apart', async () => {
    const row = await send({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'o3', 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 3000, 'gen_ai.usage.reasoning.output_tokens': 2000 });
    // o3: $2 in, $8 out (no reasoning rate of its own): 2,000,000 + 1000 x 8 = 8,000,000 + 2000 x 8 = 16,000,000
    assert.deepEqual(row.components, { input: '2000000', output: '8000000', reasoning: '16000000' });
    assert.equal(row.cost, '26000000');
  });

  test('an Azure deployment name carries its surcharge over the catalog price of the model it ran', async () => {
    const row = await send({
      'gen_ai.provider.name': 'azure.ai.openai', 'gen_ai.request.model': 'contoso-gpt4o-eu', 'gen_ai.response.model': 'gpt-4o-2024-11-20',
      'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 1000,
    });
    // azure/gpt-4o $2.50 / $10, x1.15: 2,875,000 + 11,500,000
    assert.equal(row.cost, '14375000');
    // FOCUS ListCost: the catalog price before the surcharge, 2,500,000 + 10,000,000
    assert.equal(row.list_cost, '12500000');
    assert.match(row.price_version, /^override:contoso-eu-surcharge\+genai-prices@[\d.]+:azure\/gpt-4o@base$/);
  });

  test('a corrected entry and an intraday change: DeepSeek from 16:00 UTC on 2025-09-05', async () => {
    const attrs = { 'gen_ai.provider.name': 'deepseek', 'gen_ai.request.model': 'deepseek-chat', 'gen_ai.usage.input_tokens': 1_000_000, 'gen_ai.usage.output_tokens': 1_000_000 };
    const beforeChange = await send(attrs, '2025-09-05T15:59:59.999Z');
    const afterChange = await send(attrs, '2025-09-05T16:00:00.000Z');
    // before: the catalog's standard window, $0.27 + $1.10 per million; after: $0.56 + $1.68
    assert.equal(beforeChange.cost, '1370000000');
    assert.equal(afterChange.cost, '2240000000');
    assert.match(afterChange.price_version, /\+correction:deepseek-chat-v3\.1$/);
  });

  test('a tier without a published price is unpriced_unknown_tier, and prices check lists it with its tier', async () => {
    const row = await send({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'o3-mini', 'openai.response.service_tier': 'priority', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 10 });
    assert.equal(row.pricing_status, 'unpriced_unknown_tier');
    assert.equal(row.cost, null);
    assert.deepEqual(row.components, {});
    const res = await runCli(['prices', 'check', '--api-port', String(svc.service.ports.api), '--admin-token', ADMIN_TOKEN]);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stdout, /1 model\(s\) without a price:\n\s+openai\/o3-mini tier priority\s+1 calls/);
  });

  test('finer classes (1-hour cache writes, web searches) stored through the ledger writer: components and usage as reported', async () => {
    // The mappers do not read these classes yet: the call goes through the real pricer and the
    // real ledger writer into chDB (after the real ownership stage), as a mapper's output would.
    const traceId = newTraceId();
    const nowNanos = (BigInt(Date.now()) * 1_000_000n).toString();
    const span = {
      traceId, spanId: newSpanId(), parentSpanId: '', traceState: '', name: 'chat', kind: 3, startTimeUnixNano: nowNanos, endTimeUnixNano: nowNanos,
      statusCode: 0, statusMessage: '', attributes: {}, resource: { 'service.name': 'writer-test' }, scopeName: '', scopeVersion: '', events: [], links: [],
    };
    const call: NormalizedCall = {
      span, convention: 'otel_genai', operation: 'chat', provider: 'anthropic', requestModel: 'claude-sonnet-4-5', responseModel: '',
      inputTokens: 10_000, outputTokens: 500, cacheReadTokens: 2000, cacheWriteTokens: 4000, reasoningTokens: null, cacheWrite1hTokens: 1000, webSearchCount: 2,
      requestId: '', responseId: '', sessionId: '', userId: '', errorType: '', httpStatusCode: null, serviceName: 'writer-test', serviceNamespace: '',
      serviceVersion: '', deploymentEnvironment: '', latencyMs: 0, retryAttempt: 0, serviceTier: '',
    };
    const anonymous: ExportContext = { sender: undefined, unknownCredential: false };
    const owned = createOwnershipStage(createResolver(svc.service.registry)).process({ spans: [span], calls: [call], unmapped: undefined, refused: [] }, anonymous);
    await writeCallsTo(svc.service.writer)(createPricingStage(createPricer(svc.service.priceBook.current(), 'computed')).process(owned, anonymous));
    const [row] = await svc.rows<Row & { computed: string }>(
      `SELECT toString(computed_cost_nano_usd) AS computed, toString(cost_nano_usd) AS cost, mapApply((k, v) -> (k, toString(v)), cost_components) AS components,
         mapApply((k, v) -> (k, toString(v)), usage_details) AS units
       FROM llm_calls FINAL WHERE trace_id = {t:String}`,
      { t: traceId },
    );
    // 4000 x $3 = 12,000,000; 2000 x $0.30 = 600,000; 3000 x $3.75 = 11,250,000; 1000 x $6 = 6,000,000;
    // 500 x $15 = 7,500,000; 2 searches x $10 / 1000 = 20,000,000: 57,350,000
    assert.deepEqual(row?.components, { input: '12000000', cache_read: '600000', cache_write: '11250000', cache_write_1h: '6000000', output: '7500000', web_search: '20000000' });
    assert.equal(row?.cost, '57350000');
    assert.equal(row?.computed, '57350000');
    assert.deepEqual(row?.units, { cache_write_1h_tokens: '1000', web_search_count: '2' });
    const [sum] = await svc.rows<{ s: string }>(`SELECT toString(arraySum(mapValues(cost_components))) AS s FROM llm_calls FINAL WHERE trace_id = {t:String}`, { t: traceId });
    assert.equal(sum?.s, '57350000');
  });

  test('Int64 edge through the ledger: just inside is stored exactly, just outside is unpriced_cost_overflow with no cost', async () => {
    // gpt-4o output at $10 per million = 10,000 nano-USD a token; Int64 max 9,223,372,036,854,775,807
    const inside = await send({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 0, 'gen_ai.usage.output_tokens': 922_337_203_685_477 });
    // 922,337,203,685,477 x 10,000 = 9,223,372,036,854,770,000
    assert.equal(inside.pricing_status, 'priced');
    assert.equal(inside.cost, '9223372036854770000');
    assert.deepEqual(inside.components, { output: '9223372036854770000' });
    const outside = await send({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 0, 'gen_ai.usage.output_tokens': 922_337_203_685_478 });
    // 9,223,372,036,854,780,000 does not fit
    assert.equal(outside.pricing_status, 'unpriced_cost_overflow');
    assert.equal(outside.cost, null);
    assert.deepEqual(outside.components, {});
  });

  test('`prices show` names the correction in force and its source', async () => {
    const res = await runCli(['prices', 'show', 'deepseek-chat', '--provider', 'deepseek', '--at', '2025-09-05T17:00:00Z']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /version:\s+genai-prices@[\d.]+:deepseek\/deepseek-chat@base\+correction:deepseek-chat-v3\.1\n/);
    assert.match(res.stdout, /correction deepseek-chat-v3\.1: .*\(https:\/\/api-docs\.deepseek\.com\/quick_start\/pricing, checked \d{4}-\d{2}-\d{2}\)/);
    assert.match(res.stdout, /input\s+0\.56 per 1M tokens\n/);
    assert.match(res.stdout, /cacheRead\s+0\.07 per 1M tokens\n/);
    assert.match(res.stdout, /output\s+1\.68 per 1M tokens\n/);
    const tier = await runCli(['prices', 'show', 'o3-mini', '--provider', 'openai', '--tier', 'priority', '--format', 'json']);
    assert.equal(tier.code, 0, tier.stderr);
    const shown = JSON.parse(tier.stdout) as { unknownTier: string | null; serviceTiersVersion: string };
    assert.equal(shown.unknownTier, 'priority');
    assert.match(shown.serviceTiersVersion, /^\d{4}-\d{2}-\d{2}$/);
    const flex = await runCli(['prices', 'show', 'gpt-4o', '--provider', 'openai', '--tier', 'flex']);
    assert.match(flex.stdout, /version:\s+genai-prices@[\d.]+:openai\/gpt-4o@base\+tier:openai-flex\n/);
    assert.match(flex.stdout, /input\s+1\.25 per 1M tokens\n/);
    assert.match(flex.stdout, /webSearch\s+10 per 1K\n/, 'a tier discounts tokens, not tool fees');
  });
});
