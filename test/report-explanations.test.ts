import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { killAll, runCli } from './helpers/cli-process';
import { encodeRequest, newSpanId, newTraceId, type RawSpan } from './helpers/payloads';
import { ADMIN_TOKEN, startTestService, type TestService } from './helpers/test-service';

after(killAll);

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

// The last month, with calls near and far from its edges, and an invoice for it.
// Catalog input rates: gpt-4o-mini 150, gpt-4o 2,500 nano-USD a token.
describe('quality and reconciliation explain what they see, in a defensible order', () => {
  let svc: TestService;
  const now = new Date();
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const label = utcDay(start).slice(0, 7);
  const first = utcDay(start);
  const last = utcDay(end - DAY_MS);
  const interior = utcDay(start + 10 * DAY_MS);
  const get = async <T>(p: string): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.api}${p}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as T;
  };

  before(async () => {
    svc = await startTestService();
    const call = (model: string, atMs: number, input?: number, failed = false): RawSpan => ({
      traceId: newTraceId(), spanId: newSpanId(), name: 'chat', startUnixNano: BigInt(atMs) * 1_000_000n,
      attributes: {
        'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model,
        ...(input === undefined ? {} : { 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': 0 }),
        ...(failed ? { 'error.type': '500', 'http.response.status_code': 500 } : {}),
      },
    });
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/x-protobuf' },
      body: encodeRequest([
        call('gpt-4o-mini', start + 10 * DAY_MS + 12 * HOUR_MS, 1000), // 150,000, invoiced as such
        call('gpt-4o-mini', end - 23 * HOUR_MS, 1000), // 150,000 on the last day, 23 hours from the edge; invoiced 300,000
        call('gpt-4o', end - 2 * HOUR_MS, 1000), // 2,500,000 two hours before the edge; the provider bills it next month
        call('gpt-imaginary-9', start + 2 * HOUR_MS, 1000), // no price; invoiced $1
        call('gpt-4.1', start + 3 * HOUR_MS, undefined, true), // failed before any usage; invoiced $0.50
      ]),
    });
    assert.equal(res.status, 200);
    const invoice = `date,provider,model,cost
${interior},openai,gpt-4o-mini,0.00015
${last},openai,gpt-4o-mini-2024-07-18,0.0003
${first},openai,gpt-imaginary-9,1.00
${first},openai,gpt-4.1-2025-04-14,0.50
`;
    const imported = await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/reports/invoices`, { method: 'POST', body: invoice, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' } });
    assert.equal(imported.status, 200, await imported.clone().text());
  });
  after(async () => {
    await svc?.stop();
  });

  test('quality: a failed call without usage is counted as such, not as an unpriced model, as `prices check` says', async () => {
    const q = await get<{ unpriced_calls: number; unpriced_models: { model: string; calls: number }[]; calls_without_usage: number; failed_calls_without_usage: number }>(
      `/v1/reports/quality?period=${label}`);
    assert.deepEqual(q.unpriced_models.map((m) => [m.model, m.calls]), [['gpt-imaginary-9', 1]]);
    assert.equal(q.calls_without_usage, 1);
    assert.equal(q.failed_calls_without_usage, 1);
    assert.equal(q.unpriced_calls, 2);
    const check = await runCli(['prices', 'check', '--api-port', String(svc.service.ports.api), '--admin-token', ADMIN_TOKEN]);
    assert.equal(check.code, 1, check.stderr);
    assert.match(check.stdout, /^1 model\(s\) without a price:\n\s+openai\/gpt-imaginary-9\s+1 calls/);
  });

  test('reconciliation: unpriced models and failed calls before timing; timing only for calls near the edge; otherwise a rate mismatch', async () => {
    const r = await get<{ boundary_window_hours: number; explanation_order: string[]; lines: { day: string; model: string; gap_nano_usd: string; category: string }[] }>(
      `/v1/reports/reconciliation?period=${label}&tolerance_pct=1`);
    assert.equal(r.boundary_window_hours, 6);
    assert.deepEqual(r.explanation_order, ['not_seen_by_ledger', 'unpriced_models', 'failed_or_retried_calls', 'rate_mismatch', 'timing_at_period_boundary']);
    const byLine = Object.fromEntries(r.lines.map((l) => [`${l.day} ${l.model}`, [l.category, l.gap_nano_usd]]));
    assert.deepEqual(byLine, {
      [`${first} gpt-imaginary-9`]: ['unpriced_models', '1000000000'],
      [`${first} gpt-4.1`]: ['failed_or_retried_calls', '500000000'],
      // 23 hours from the edge: no call near it, so the provider's other rate explains it.
      [`${last} gpt-4o-mini`]: ['rate_mismatch', '150000'],
      // Two hours before the edge, billed by the provider in the next month.
      [`${last} gpt-4o`]: ['timing_at_period_boundary', '-2500000'],
      [`${interior} gpt-4o-mini`]: ['within_tolerance', '0'],
    });
  });

  test('reconciliation: a gap the family shows inside the period too is a rate mismatch even on the last day', async () => {
    // gpt-4o is invoiced at twice the ledger's rate inside the period, and on the last day a
    // call two hours before the edge is billed short: the systematic gap wins over timing.
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/x-protobuf' },
      body: encodeRequest([{ traceId: newTraceId(), spanId: newSpanId(), name: 'chat', startUnixNano: BigInt(start + 5 * DAY_MS) * 1_000_000n,
        attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 0 } }]),
    });
    assert.equal(res.status, 200);
    const invoice = `date,provider,model,cost\n${utcDay(start + 5 * DAY_MS)},openai,gpt-4o,0.005\n${last},openai,gpt-4o,0.005\n`;
    const imported = await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/reports/invoices`, { method: 'POST', body: invoice, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' } });
    assert.equal(imported.status, 200);
    const r = await get<{ lines: { day: string; model: string; gap_nano_usd: string; category: string }[] }>(`/v1/reports/reconciliation?period=${label}&tolerance_pct=1`);
    const line = (day: string) => r.lines.find((l) => l.day === day && l.model === 'gpt-4o');
    assert.deepEqual([line(utcDay(start + 5 * DAY_MS))?.category, line(utcDay(start + 5 * DAY_MS))?.gap_nano_usd], ['rate_mismatch', '2500000']);
    assert.deepEqual([line(last)?.category, line(last)?.gap_nano_usd], ['rate_mismatch', '2500000']);
  });
});
