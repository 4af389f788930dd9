import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { createRepricingStore } from '../src/ledger';
import { createCatalog, createPriceBook, overridesSchema, rerate } from '../src/pricing';
import { killAll, runCli } from './helpers/cli-process';
import { emitChatTrace, providerWith } from './helpers/otel';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { ADMIN_TOKEN, startTestService, type TestService } from './helpers/test-service';
import { waitFor } from './helpers/wait';

// No child process outlives this file, even when a test fails half-way.
after(killAll);

interface CostRow {
  pricing_status: string;
  cost_nano_usd: string | null;
  computed_cost_nano_usd: string | null;
  input_cost_nano_usd: string | null;
  cache_read_cost_nano_usd: string | null;
  output_cost_nano_usd: string | null;
  reasoning_cost_nano_usd: string | null;
  provider_reported_cost_nano_usd: string | null;
  price_source: string;
  price_version: string;
  currency: string;
}

const COST_COLS = `pricing_status, toString(cost_nano_usd) AS cost_nano_usd, toString(computed_cost_nano_usd) AS computed_cost_nano_usd,
  toString(input_cost_nano_usd) AS input_cost_nano_usd, toString(cache_read_cost_nano_usd) AS cache_read_cost_nano_usd,
  toString(output_cost_nano_usd) AS output_cost_nano_usd, toString(reasoning_cost_nano_usd) AS reasoning_cost_nano_usd,
  toString(provider_reported_cost_nano_usd) AS provider_reported_cost_nano_usd, price_source, price_version, currency`;

describe('every LLM call gets a defensible cost in the ledger', () => {
  let svc: TestService;
  let pricesPath: string;
  let url: string;
  before(async () => {
    pricesPath = path.join(mkdtempSync(path.join(tmpdir(), 'spanledger-prices-')), 'prices.yaml');
    copyFileSync(path.resolve(__dirname, '..', '..', 'testdata', 'prices', 'overrides.yaml'), pricesPath);
    svc = await startTestService({ pricing: { prices: pricesPath, pricesPollMs: 50 } });
    url = `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
  });
  after(async () => {
    await svc.stop();
  });
  const costs = (traceId: string) => svc.rows<CostRow>(`SELECT ${COST_COLS} FROM llm_calls FINAL WHERE trace_id = {t:String}`, { t: traceId });
  const send = (body: Buffer) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });

  test('a call from a real SDK is priced to the nano-dollar with its components and evidence', async () => {
    const provider = providerWith(new OTLPTraceExporter({ url }), 'chat-api');
    const t = emitChatTrace(provider, {
      'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 2000, 'gen_ai.usage.cache_read.input_tokens': 1500,
      'gen_ai.usage.output_tokens': 100, 'gen_ai.usage.cost': '0.004',
    });
    await provider.forceFlush();
    await provider.shutdown();
    const [row] = await costs(t.traceId);
    // gpt-4o: 500 x $2.50 + 1500 x $1.25 + 100 x $10 per million = 1,250,000 + 1,875,000 + 1,000,000 nano-USD
    assert.deepEqual({ ...row, price_version: row?.price_version.replace(/@[\d.]+:/, '@X:') }, {
      pricing_status: 'priced',
      cost_nano_usd: '4125000',
      computed_cost_nano_usd: '4125000',
      input_cost_nano_usd: '1250000',
      cache_read_cost_nano_usd: '1875000',
      output_cost_nano_usd: '1000000',
      reasoning_cost_nano_usd: '0',
      provider_reported_cost_nano_usd: '4000000',
      price_source: 'catalog',
      price_version: 'genai-prices@X:openai/gpt-4o@base',
      currency: 'USD',
    });
  });

  test('usage in deprecated attribute names prices the same as in current names', async () => {
    const current = newTraceId();
    const deprecated = newTraceId();
    await send(encodeRequest([{ traceId: current, spanId: newSpanId(), name: 'chat', attributes: {
      'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-20250514', 'gen_ai.usage.input_tokens': 10000,
      'gen_ai.usage.cache_read.input_tokens': 6000, 'gen_ai.usage.cache_creation.input_tokens': 3000, 'gen_ai.usage.output_tokens': 500 } }]));
    await send(encodeRequest([{ traceId: deprecated, spanId: newSpanId(), name: 'chat', attributes: {
      'gen_ai.system': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-20250514', 'gen_ai.usage.prompt_tokens': 10000,
      'gen_ai.usage.cache_read_input_tokens': 6000, 'gen_ai.usage.cache_creation_input_tokens': 3000, 'gen_ai.usage.completion_tokens': 500 } }]));
    const [a] = await costs(current);
    const [b] = await costs(deprecated);
    assert.ok(a);
    assert.deepEqual(a, b);
    // today is after the 20% override date in testdata: (3,000,000 + 1,800,000 + 11,250,000 + 7,500,000) x 0.8
    assert.equal(a.cost_nano_usd, String((23_550_000n * 8n) / 10n));
    assert.match(a.price_version, /^override:anthropic-enterprise-2026\+/);
  });

  test('an unknown model is unpriced (never zero) and counted', async () => {
    const traceId = newTraceId();
    await send(encodeRequest([{ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-imaginary-9', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 10 } }]));
    const [row] = await costs(traceId);
    assert.equal(row?.pricing_status, 'unpriced_unknown_model');
    assert.equal(row?.cost_nano_usd, null);
    const text = await (await fetch(`http://127.0.0.1:${svc.service.ports.api}/metrics`)).text();
    assert.match(text, /spanledger_llm_calls_priced_total\{status="unpriced_unknown_model"\} 1\n/);
    assert.match(text, /spanledger_price_catalog_info\{catalog="@pydantic\/genai-prices",version="\d+\.\d+\.\d+",overrides="4"\} 1/);
  });

  test('`spanledger prices check` lists the unpriced model and exits 1', async () => {
    const res = await runCli(['prices', 'check', '--api-port', String(svc.service.ports.api), '--admin-token', ADMIN_TOKEN]);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stdout, /1 model\(s\) without a price:\n\s+openai\/gpt-imaginary-9\s+1 calls/);
  });

  test('re-rating after an override change writes adjustment rows that sum to the difference; originals stay', async () => {
    const traceId = newTraceId();
    const spans = [1000, 3000].map((input) => ({ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': 1000 } }));
    await send(encodeRequest(spans));
    const before = await costs(traceId);
    // gpt-4o-mini: $0.15 in, $0.60 out. 150,000 + 600,000 and 450,000 + 600,000
    assert.deepEqual(before.map((r) => r.cost_nano_usd).sort(), ['1050000', '750000']);

    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    writeFileSync(pricesPath, `${readFileSync(pricesPath, 'utf8')}
  - id: mini-negotiated
    provider: openai
    model: gpt-4o-mini*
    effectiveFrom: ${today}
    rates: { input: "0.10", output: "0.40" }
`);
    await waitFor(() => svc.service.priceBook.current().overrideCount === 5);
    const reprice = async () => {
      const res = await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/admin/prices/reprice`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ from: today, to: tomorrow, reason: 'negotiated mini rates' }),
      });
      assert.equal(res.status, 200);
      return (await res.json()) as { runId: string; adjusted: number; deltaNanoUsd: string };
    };
    const first = await reprice();
    // new: 100,000 + 400,000 and 300,000 + 400,000 = 1,200,000 vs 1,800,000 before
    const adjustments = await svc.rows<{ delta: string; n: number }>(
      'SELECT toString(sum(delta_nano_usd)) AS delta, count() AS n FROM cost_adjustments FINAL WHERE trace_id = {t:String} AND run_id = {r:String}',
      { t: traceId, r: first.runId },
    );
    assert.deepEqual(adjustments, [{ delta: '-600000', n: 2 }]);
    assert.deepEqual(await costs(traceId), before);
    const [versions] = await svc.rows<{ v: string }>('SELECT any(repriced_price_version) AS v FROM cost_adjustments FINAL WHERE trace_id = {t:String}', { t: traceId });
    assert.equal(versions?.v, 'override:mini-negotiated');
    // Running it again changes nothing: deltas are taken against cost plus earlier adjustments.
    const second = await reprice();
    assert.equal(second.adjusted, 0);
    assert.equal(second.deltaNanoUsd, '0');
  });

  test('re-rating reads the fine usage: 1-hour cache writes re-rate to the same cost, and under a new price to the exact difference', async () => {
    // A day before the anthropic-enterprise-2026 override: list prices. Two calls, so a
    // re-rating that prices one of them from the token columns alone cannot hide.
    const day = '2026-11-03';
    const at = BigInt(Date.parse(`${day}T10:00:00Z`)) * 1_000_000n;
    const traceId = newTraceId();
    const attributes = {
      'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-5', 'gen_ai.usage.input_tokens': 10_000,
      'gen_ai.usage.cache_read.input_tokens': 2000, 'gen_ai.usage.cache_creation.input_tokens': 4000,
      'gen_ai.usage.cache_creation.ephemeral_1h_input_tokens': 1000, 'gen_ai.usage.cache_creation.ephemeral_5m_input_tokens': 3000,
      'gen_ai.usage.output_tokens': 500,
    };
    const res = await send(encodeRequest([0n, 1n].map((i) => ({ traceId, spanId: newSpanId(), name: 'chat', attributes, startUnixNano: at + i * 1_000_000n }))));
    assert.equal(res.status, 200);
    const stored = await svc.rows<{ cost: string; units: Record<string, string> }>(
      `SELECT toString(cost_nano_usd) AS cost, mapApply((k, v) -> (k, toString(v)), usage_details) AS units FROM llm_calls FINAL WHERE trace_id = {t:String}`,
      { t: traceId },
    );
    // claude-sonnet-4-5: 4000 x $3 + 2000 x $0.30 + 3000 x $3.75 + 1000 x $6 + 500 x $15 per million
    // = 12,000,000 + 600,000 + 11,250,000 + 6,000,000 + 7,500,000 = 37,350,000 nano-USD
    assert.deepEqual(stored, [0, 1].map(() => ({ cost: '37350000', units: { cache_write_1h_tokens: '1000' } })));
    const next = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);

    // The price book is unchanged: re-rating (here through the CLI) must find nothing to adjust.
    const cli = await runCli(['prices', 'reprice', '--from', day, '--to', next, '--api-port', String(svc.service.ports.api), '--admin-token', ADMIN_TOKEN]);
    assert.equal(cli.code, 0, cli.stderr);
    const same = JSON.parse(cli.stdout) as { calls: number; adjusted: number; unpriced: number; deltaNanoUsd: string };
    assert.deepEqual({ calls: same.calls, adjusted: same.adjusted, unpriced: same.unpriced, deltaNanoUsd: same.deltaNanoUsd }, { calls: 2, adjusted: 0, unpriced: 0, deltaNanoUsd: '0' });
    const none = await svc.rows<{ n: number }>('SELECT count() AS n FROM cost_adjustments FINAL WHERE trace_id = {t:String}', { t: traceId });
    assert.deepEqual(none, [{ n: 0 }]);

    // A 10% discount on that model for the first half of November: every class scaled, 1-hour
    // writes at 0.9 x $6, not at the 5-minute rate.
    writeFileSync(pricesPath, `${readFileSync(pricesPath, 'utf8')}
  - id: sonnet-45-november
    provider: anthropic
    model: claude-sonnet-4-5
    effectiveFrom: 2026-11-01
    effectiveTo: 2026-11-15
    discountPercent: 10
`);
    await waitFor(() => svc.service.priceBook.current().overrideCount === 6);
    const api = await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/admin/prices/reprice`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: day, to: next, reason: 'november sonnet discount' }),
    });
    assert.equal(api.status, 200);
    const changed = (await api.json()) as { runId: string; calls: number; adjusted: number; deltaNanoUsd: string };
    // 10,800,000 + 540,000 + 10,125,000 + 5,400,000 + 6,750,000 = 33,615,000: -3,735,000 a call
    assert.deepEqual({ calls: changed.calls, adjusted: changed.adjusted, deltaNanoUsd: changed.deltaNanoUsd }, { calls: 2, adjusted: 2, deltaNanoUsd: '-7470000' });
    const rows = await svc.rows<{ original: string; repriced: string; delta: string; version: string }>(
      `SELECT toString(original_cost_nano_usd) AS original, toString(repriced_cost_nano_usd) AS repriced, toString(delta_nano_usd) AS delta,
         repriced_price_version AS version FROM cost_adjustments FINAL WHERE trace_id = {t:String} AND run_id = {r:String}`,
      { t: traceId, r: changed.runId },
    );
    assert.deepEqual(rows, [0, 1].map(() => ({ original: '37350000', repriced: '33615000', delta: '-3735000', version: rows[0]?.version })));
    assert.match(rows[0]?.version ?? '', /^override:sonnet-45-november\+genai-prices@/);
  });

  test('re-rating streams the period in bounded batches, a day per query, and writes each batch\'s adjustments', async () => {
    // Five calls on one day, two on the next, before any override: list prices at ingest.
    const days = ['2026-10-05', '2026-10-06'];
    const traceId = newTraceId();
    const attributes = {
      'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-5', 'gen_ai.usage.input_tokens': 10_000,
      'gen_ai.usage.cache_read.input_tokens': 2000, 'gen_ai.usage.cache_creation.input_tokens': 4000,
      'gen_ai.usage.cache_creation.ephemeral_1h_input_tokens': 1000, 'gen_ai.usage.output_tokens': 500,
    };
    const spans = [5, 2].flatMap((n, d) =>
      Array.from({ length: n }, (_, i) => ({ traceId, spanId: newSpanId(), name: 'chat', attributes, startUnixNano: BigInt(Date.parse(`${days[d]}T08:00:00Z`) + i) * 1_000_000n })),
    );
    assert.equal((await send(encodeRequest(spans))).status, 200);
    const fromMs = Date.parse(`${days[0]}T00:00:00Z`);
    const toMs = fromMs + 2 * 86_400_000;
    const store = createRepricingStore(svc.service.storage.client, svc.cfg.ledger.database, { batchRows: 2 });

    const batches: { spanId: string; usage: object; cost: bigint | null; adjusted: bigint }[][] = [];
    for await (const batch of store.storedCalls(fromMs, toMs)) batches.push(batch.map((c) => ({ spanId: c.spanId, usage: c.usage, cost: c.costNanoUsd, adjusted: c.adjustedNanoUsd })));
    assert.deepEqual(batches.map((b) => b.length), [2, 2, 1, 2]);
    assert.deepEqual(batches.flat().map((c) => c.spanId), spans.map((sp) => sp.spanId));
    const usage = { inputTokens: 10_000, outputTokens: 500, cacheReadTokens: 2000, cacheWriteTokens: 4000, reasoningTokens: null, cacheWrite1hTokens: 1000 };
    assert.deepEqual(batches.flat()[0], { spanId: spans[0]!.spanId, usage, cost: 37_350_000n, adjusted: 0n });

    // The same prices: nothing to adjust, batch by batch.
    const same = await rerate(store, svc.service.priceBook.current(), svc.cfg.pricing.billing, { fromMs, toMs, reason: 'unchanged' });
    assert.deepEqual({ calls: same.calls, adjusted: same.adjusted, delta: same.deltaNanoUsd }, { calls: 7, adjusted: 0, delta: '0' });
    // 10% off every class: 33,615,000 a call, -3,735,000 each, written over four batches.
    const discounted = createPriceBook(createCatalog(), overridesSchema.parse({ overrides: [{ id: 'sonnet-45-ten', provider: 'anthropic', model: 'claude-sonnet-4-5', discountPercent: 10 }] }).overrides);
    const run = await rerate(store, discounted, 'computed', { fromMs, toMs, reason: 'ten percent' });
    assert.deepEqual({ calls: run.calls, adjusted: run.adjusted, delta: run.deltaNanoUsd, usd: run.deltaUsd }, { calls: 7, adjusted: 7, delta: '-26145000', usd: '-0.026145000' });
    const written = await svc.rows<{ n: number; delta: string; repriced: string[] }>(
      'SELECT count() AS n, toString(sum(delta_nano_usd)) AS delta, groupUniqArray(toString(repriced_cost_nano_usd)) AS repriced FROM cost_adjustments FINAL WHERE run_id = {r:String}',
      { r: run.runId },
    );
    assert.deepEqual(written, [{ n: 7, delta: '-26145000', repriced: ['33615000'] }]);
    // Read again, each call carries its adjustment: a second run adds nothing.
    const again = await rerate(store, discounted, 'computed', { fromMs, toMs, reason: 'ten percent' });
    assert.deepEqual({ adjusted: again.adjusted, delta: again.deltaNanoUsd }, { adjusted: 0, delta: '0' });
  });

  test('re-rating needs the admin token and valid dates', async () => {
    const api = `http://127.0.0.1:${svc.service.ports.api}/v1/admin/prices/reprice`;
    assert.equal((await fetch(api, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status, 401);
    const bad = await fetch(api, { method: 'POST', body: JSON.stringify({ from: '2026-11-30', to: '2026-11-01' }), headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /to: to must be after from/);
  });
});
