import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../src/ownership';
import { createPolicyStore } from '../src/ledger';
import { expandGrafanaSql, type DashboardContext } from './helpers/grafana-macros';
import { encodeRequest, newSpanId, newTraceId, type RawSpan } from './helpers/payloads';
import { ADMIN_TOKEN, registryFile, startTestService, type TestService } from './helpers/test-service';
import { waitFor } from './helpers/wait';

const DAY_MS = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

// gpt-4o-mini from the catalog: $0.15 in, $0.60 out per million tokens (150 and 600 nano-USD
// a token); after the negotiated override: $0.10 and $0.40 (100 and 400).
//   X  (day D, tenant)        1000 in, 1000 out:   750,000 -> 500,000
//   Y  (today, tenant)        3000 in, 1000 out: 1,050,000 -> 700,000
//   Y' (today, Y reported again as its child span): billed once, so 0 -> 0
//   U  (day D, unallocated)   1000 in,  500 out:   450,000 -> 300,000
// Billed after the re-rating: 1,500,000 in all, 1,200,000 allocated, 300,000 unallocated.
const TOTAL = 1_500_000n;
const ALLOCATED = 1_200_000n;
const UNALLOCATED = 300_000n;
const usage = (input: number, output: number) => ({
  'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': output,
});

/** Exact nano-USD of a FOCUS decimal ("0.0015"). */
const nanoOf = (decimal: string) => {
  const [whole, frac = ''] = decimal.split('.');
  const sign = whole!.startsWith('-') ? -1n : 1n;
  return sign * (BigInt(whole!.replace('-', '')) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9)));
};

interface Panel { title: string; targets: { rawSql: string }[] }

describe('one billed cost after a re-rating, the same in every report, API, the policy and every dashboard panel', () => {
  let svc: TestService;
  let pricesPath: string;
  const now = Date.now();
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  // Day D is closed (the policy reads it from the daily rollup); today is read from the calls.
  const dayD = today - 3 * DAY_MS;
  const tomorrow = today + DAY_MS;
  const traceX = newTraceId();
  const traceY = newTraceId();
  const traceU = newTraceId();
  const api = (p: string) => `http://127.0.0.1:${svc.service.ports.api}${p}`;
  const get = async <T>(p: string): Promise<T> => {
    const res = await fetch(api(p), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as T;
  };
  const period = `from=${utcDay(dayD)}&to=${utcDay(tomorrow)}`;

  before(async () => {
    pricesPath = path.join(mkdtempSync(path.join(tmpdir(), 'spanledger-billed-')), 'prices.yaml');
    writeFileSync(pricesPath, 'overrides: []\n');
    svc = await startTestService({
      pricing: { prices: pricesPath, pricesPollMs: 50 },
      ownership: {
        registry: registryFile(`
tenants: [{ id: acme, team: search, app: search-api, feature: answers }]
senders:
  - { id: search-api, token: "${hashToken('tok-acme')}", tenant: acme }
  - { id: collector, token: "${hashToken('tok-collector')}" }
`),
        allowUnauthenticated: false,
      },
    });
    const send = async (token: string, service: string, spans: RawSpan[]) => {
      const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, {
        method: 'POST', body: encodeRequest(spans, service), headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200);
    };
    const at = (ms: number) => BigInt(ms) * 1_000_000n;
    const y = newSpanId();
    const session = { 'gen_ai.conversation.id': 'sess-billed' };
    await send('tok-acme', 'search-api', [
      { traceId: traceX, spanId: newSpanId(), name: 'chat', attributes: { ...usage(1000, 1000), ...session }, startUnixNano: at(dayD + 10 * 3_600_000) },
      { traceId: traceY, spanId: y, name: 'chat', attributes: { ...usage(3000, 1000), ...session }, startUnixNano: at(now - 60_000) },
      { traceId: traceY, spanId: newSpanId(), parentSpanId: y, name: 'chat', attributes: { ...usage(3000, 1000), ...session }, startUnixNano: at(now - 60_000) },
    ]);
    await send('tok-collector', 'mystery-job', [{ traceId: traceU, spanId: newSpanId(), name: 'chat', attributes: usage(1000, 500), startUnixNano: at(dayD + 11 * 3_600_000) }]);
    // Before the re-rating the ledger bills 2,250,000 (750,000 + 1,050,000 + 450,000).
    await svc.service.resolveMarks();
    const before = await get<{ totals: { billed_nano_usd: string } }>(`/v1/reports/chargeback?${period}&group_by=team`);
    assert.equal(before.totals.billed_nano_usd, '2250000');

    writeFileSync(pricesPath, `overrides:
  - id: mini-negotiated
    provider: openai
    model: gpt-4o-mini*
    effectiveFrom: ${utcDay(dayD - DAY_MS)}
    rates: { input: "0.10", output: "0.40" }
`);
    await waitFor(() => svc.service.priceBook.current().overrideCount === 1);
    const res = await fetch(api('/v1/admin/prices/reprice'), {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: utcDay(dayD), to: utcDay(tomorrow), reason: 'negotiated mini rates' }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    // Four calls re-rated, the duplicate among them: -250,000 - 350,000 - 350,000 - 150,000.
    assert.equal(((await res.json()) as { deltaNanoUsd: string }).deltaNanoUsd, '-1100000');
    // Invoices of both days, equal to what the provider billed after the negotiated rates.
    const invoice = `date,provider,model,cost\n${utcDay(dayD)},openai,gpt-4o-mini,0.0008\n${utcDay(today)},openai,gpt-4o-mini-2024-07-18,0.0007\n`;
    const imported = await fetch(api('/v1/reports/invoices'), { method: 'POST', body: invoice, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' } });
    assert.equal(imported.status, 200, await imported.clone().text());
  });
  after(async () => {
    await svc?.stop();
  });

  test('chargeback: total, allocated and unallocated', async () => {
    const cb = await get<{ totals: { billed_nano_usd: string; allocated_billed_nano_usd: string }; unallocated: { billed_nano_usd: string }; lines: { billed_nano_usd: string }[]; daily_trend: { billed_nano_usd: string }[] }>(
      `/v1/reports/chargeback?${period}&group_by=team,model`);
    assert.equal(cb.totals.billed_nano_usd, TOTAL.toString());
    assert.equal(cb.totals.allocated_billed_nano_usd, ALLOCATED.toString());
    assert.equal(cb.unallocated.billed_nano_usd, UNALLOCATED.toString());
    assert.equal(cb.lines.reduce((s, l) => s + BigInt(l.billed_nano_usd), 0n), ALLOCATED);
    assert.equal(cb.daily_trend.reduce((s, l) => s + BigInt(l.billed_nano_usd), 0n), TOTAL);
  });

  test('audit: team and model lines sum to the billed total', async () => {
    const a = await get<{ lines: { dimension: string; this_nano_usd: string }[] }>(`/v1/reports/audit?${period}`);
    for (const dim of ['team', 'model']) {
      assert.equal(a.lines.filter((l) => l.dimension === dim).reduce((s, l) => s + BigInt(l.this_nano_usd), 0n), TOTAL, dim);
    }
  });

  test('quality: the billed spend, and no gap against the invoice', async () => {
    const q = await get<{ billed_nano_usd: string; reconciliation_gap_nano_usd: string | null }>(`/v1/reports/quality?${period}`);
    assert.equal(q.billed_nano_usd, TOTAL.toString());
    assert.equal(q.reconciliation_gap_nano_usd, '0');
  });

  test('reconciliation: the ledger side equals the invoice, day by day', async () => {
    const r = await get<{ ledger_nano_usd: string; gap_nano_usd: string; status: string; lines: { day: string; ledger_nano_usd: string }[] }>(
      `/v1/reports/reconciliation?${period}&tolerance_pct=0`);
    assert.equal(r.ledger_nano_usd, TOTAL.toString());
    assert.equal(r.gap_nano_usd, '0');
    assert.equal(r.status, 'within_tolerance');
    assert.deepEqual(r.lines.map((l) => [l.day, l.ledger_nano_usd]).sort(), [[utcDay(dayD), '800000'], [utcDay(today), '700000']]);
  });

  test('FOCUS: BilledCost and EffectiveCost sum to the billed total', async () => {
    const rows = await get<Record<string, string | null>[]>(`/v1/reports/focus?${period}`);
    assert.equal(rows.reduce((s, r) => s + nanoOf(String(r.BilledCost)), 0n), TOTAL);
    assert.equal(rows.reduce((s, r) => s + nanoOf(String(r.EffectiveCost)), 0n), TOTAL);
  });

  test('trace and session drill-down', async () => {
    const trace = async (id: string) => (await get<{ totals: { cost_nano_usd: string }; root: { subtree_cost_nano_usd: string } }>(`/v1/traces/${id}/cost`));
    const x = await trace(traceX);
    const y = await trace(traceY);
    const u = await trace(traceU);
    assert.deepEqual([x.totals.cost_nano_usd, y.totals.cost_nano_usd, u.totals.cost_nano_usd], ['500000', '700000', '300000']);
    assert.deepEqual([x.root.subtree_cost_nano_usd, y.root.subtree_cost_nano_usd, u.root.subtree_cost_nano_usd], ['500000', '700000', '300000']);
    const s = await get<{ totals: { cost_nano_usd: string }; traces: { cost_nano_usd: string }[] }>(
      `/v1/sessions/sess-billed/cost?from=${new Date(dayD).toISOString()}&to=${new Date(tomorrow).toISOString()}`);
    assert.equal(s.totals.cost_nano_usd, ALLOCATED.toString());
    assert.equal(s.traces.reduce((sum, t) => sum + BigInt(t.cost_nano_usd), 0n), ALLOCATED);
  });

  test("the policy's spend: the allocated billed cost, closed day from the rollup and today from the calls", async () => {
    const rows = await createPolicyStore(svc.service.storage.client, svc.cfg.ledger.database).spend(dayD, tomorrow, now);
    assert.equal(rows.reduce((s, r) => s + BigInt(r.nano), 0n), ALLOCATED);
  });

  test('every dashboard panel that shows money', async () => {
    const dir = path.resolve(__dirname, '..', '..', 'dashboards');
    const ctx: DashboardContext = { fromMs: dayD, toMs: tomorrow - 1000, intervalS: 3600, vars: { datasource: 'spanledger', team: '$__all', feature: '$__all', session_id: '', trace_id: traceY } };
    // What each panel covers when it is not the whole ledger of the period.
    const expectedOf = (title: string, sql: string): bigint =>
      sql.includes('${trace_id}') ? 700_000n : title === 'Costliest sessions' ? ALLOCATED : /unallocated/i.test(title) && /reason/i.test(title) ? UNALLOCATED : TOTAL;
    const checked: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const d = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { panels: Panel[] };
      for (const p of d.panels) {
        for (const t of p.targets) {
          const rows = await svc.rows<Record<string, unknown>>(expandGrafanaSql(t.rawSql, ctx));
          const money = rows.length > 0 ? Object.keys(rows[0]!).filter((c) => c === 'usd') : [];
          if (money.length === 0 && !/nano_usd/.test(t.rawSql)) continue;
          assert.ok(money.length === 1 || /_ratio|_share|ratio/.test(t.rawSql), `${file} / ${p.title}: a money query without a usd column`);
          if (money.length === 0) continue;
          const sum = rows.reduce((s, r) => s + Number(r.usd), 0);
          assert.equal(BigInt(Math.round(sum * 1e9)), expectedOf(p.title, t.rawSql), `${file} / ${p.title}`);
          checked.push(`${file} / ${p.title}`);
        }
      }
    }
    assert.ok(checked.length >= 9, checked.join('\n'));
  });
});

describe("the policy's spend right after a re-rating, before and after the resolver folds it into the rollup", () => {
  let svc: TestService;
  let pricesPath: string;
  const now = Date.now();
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const closed = today - 4 * DAY_MS;
  before(async () => {
    pricesPath = path.join(mkdtempSync(path.join(tmpdir(), 'spanledger-billed-')), 'prices.yaml');
    writeFileSync(pricesPath, 'overrides: []\n');
    // The background resolver stays out of the way: each step below runs it or not on purpose.
    svc = await startTestService({
      pricing: { prices: pricesPath, pricesPollMs: 50 },
      ledger: { resolveIntervalMs: 3_600_000 },
      ownership: { registry: registryFile(`
tenants: [{ id: acme, team: search, app: search-api }]
senders: [{ id: search-api, token: "${hashToken('tok-acme')}", tenant: acme }]
`), allowUnauthenticated: false },
    });
  });
  after(async () => {
    await svc?.stop();
  });

  test('a closed day re-rated is read from the calls until the rollup holds the adjustment, then from the rollup', async () => {
    const body = encodeRequest([{
      traceId: newTraceId(), spanId: newSpanId(), name: 'chat', startUnixNano: BigInt(closed + 3_600_000) * 1_000_000n,
      attributes: usage(1000, 1000),
    }]);
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer tok-acme' } });
    assert.equal(res.status, 200);
    await svc.service.resolveMarks();
    const store = createPolicyStore(svc.service.storage.client, svc.cfg.ledger.database);
    const spend = async () => (await store.spend(closed, today + DAY_MS, now)).reduce((s, r) => s + BigInt(r.nano), 0n);
    // 1000 x 150 + 1000 x 600, the closed day from the rollup.
    assert.equal(await spend(), 750_000n);
    writeFileSync(pricesPath, `overrides:\n  - { id: mini-negotiated, provider: openai, model: "gpt-4o-mini*", effectiveFrom: ${utcDay(closed - DAY_MS)}, rates: { input: "0.10", output: "0.40" } }\n`);
    await waitFor(() => svc.service.priceBook.current().overrideCount === 1);
    const rerate = await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/admin/prices/reprice`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: utcDay(closed), to: utcDay(closed + DAY_MS) }),
    });
    assert.equal(rerate.status, 200);
    // The rollup still holds 750,000; the adjustment is newer than it, so the calls are read.
    assert.equal(await spend(), 500_000n);
    await svc.service.resolveMarks();
    assert.equal(await spend(), 500_000n);
    // Proof that the closed day now comes from the rollup: a row of its own there shows.
    await svc.service.storage.client.insert({
      table: `${svc.cfg.ledger.database}.rollup_daily_costs`,
      format: 'JSONEachRow',
      values: [{ day: utcDay(closed), build: '1', tenant: 'acme', team: 'acme', provider: 'rollup-probe', llm_calls: 1, cost_nano_usd: '777' }],
    });
    assert.equal(await spend(), 500_777n);
  });
});
