import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../src/ownership';
import { FOCUS_COLUMNS } from '../src/reports';
import { killAll, runCli } from './helpers/cli-process';
import { encodeRequest, newSpanId, newTraceId, type RawSpan } from './helpers/payloads';
import { ADMIN_TOKEN, startTestService, type TestService } from './helpers/test-service';

// No child process outlives this file, even when a test fails half-way.
after(killAll);

// gpt-4o: $2.50 in, $10 out per million tokens = 2,500 and 10,000 nano-USD per token.
const cost = (input: number, output: number) => BigInt(input * 2500 + output * 10_000);
const K = 100; // tokens scale: a baseline call is 100,000 in / 10,000 out ($0.35)
const TEAMS = ['search', 'ads', 'billing', 'lab'] as const;

function month(offset: number): { label: string; startMs: number } {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
  return { label: `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`, startMs: d.getTime() };
}

function registryFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-reports-'));
  const file = path.join(dir, 'registry.yaml');
  writeFileSync(file, `
tenants:
${TEAMS.map((t) => `  - { id: ${t}-app, team: ${t}, app: ${t}-api, feature: ${t}-feature }`).join('\n')}
senders:
${TEAMS.map((t) => `  - { id: ${t}, token: "${hashToken(`tok-${t}`)}", tenant: ${t}-app }`).join('\n')}
  - { id: collector, token: "${hashToken('tok-collector')}" }
ownership:
  ads: { costCenter: CC-ADS, businessUnit: Growth, transferMultiplier: "1.1" }
  search: { costCenter: CC-SEARCH }
`);
  return file;
}

async function send(svc: TestService, token: string, calls: { input: number; output: number; atMs: number; model?: string; service?: string }[]): Promise<void> {
  const spans: RawSpan[] = calls.map((c) => ({
    traceId: newTraceId(), spanId: newSpanId(), name: 'chat', startUnixNano: BigInt(c.atMs) * 1_000_000n,
    attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': c.model ?? 'gpt-4o', 'gen_ai.usage.input_tokens': c.input, 'gen_ai.usage.output_tokens': c.output },
  }));
  const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, {
    method: 'POST', body: encodeRequest(spans, calls[0]?.service ?? 'app'), headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200);
}

describe('finance reports over a two-month ledger seeded through OTLP', () => {
  let svc: TestService;
  const prev = month(-2);
  const cur = month(-1);
  let expectedCur = 0n;
  let unallocatedCur = 0n;
  const get = async <T>(p: string): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.api}${p}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as T;
  };

  before(async () => {
    svc = await startTestService({ ownership: { registry: registryFile(), allowUnauthenticated: false } });
    const day = (m: { startMs: number }, d: number) => m.startMs + d * 86_400_000 + 3_600_000;
    for (const team of TEAMS) {
      // Last-but-one month: every team 10 calls of 1000 in / 100 out.
      await send(svc, `tok-${team}`, Array.from({ length: 10 }, (_, i) => ({ input: 1000 * K, output: 100 * K, atMs: day(prev, 1 + i) })));
      // Last month: search triples its tokens per call, ads makes twice the calls, the others stay.
      const calls =
        team === 'search' ? Array.from({ length: 10 }, (_, i) => ({ input: 3000 * K, output: 300 * K, atMs: day(cur, 1 + i) }))
        : team === 'ads' ? Array.from({ length: 20 }, (_, i) => ({ input: 1000 * K, output: 100 * K, atMs: day(cur, 1 + (i % 10)) }))
        : Array.from({ length: 10 }, (_, i) => ({ input: 1000 * K, output: 100 * K, atMs: day(cur, 1 + i) }));
      await send(svc, `tok-${team}`, calls);
      for (const c of calls) expectedCur += cost(c.input, c.output);
    }
    // Unallocated traffic: a shared collector with a service the registry does not map.
    const stray = Array.from({ length: 3 }, (_, i) => ({ input: 2000 * K, output: 200 * K, atMs: day(cur, 2 + i), service: 'mystery-job' }));
    await send(svc, 'tok-collector', stray);
    for (const c of stray) unallocatedCur += cost(c.input, c.output);
    expectedCur += unallocatedCur;
  });
  after(async () => {
    await svc.stop();
  });

  test('chargeback totals equal the priced calls to the nano-dollar; unallocated is its own line; a 1.1 transfer multiplier shows', async () => {
    const cb = await get<{
      lines: { team: string; billed_nano_usd: string; transfer_multiplier: string; charged_nano_usd: string; cost_center: string }[];
      unallocated: { calls: number; billed_nano_usd: string };
      totals: { billed_nano_usd: string; allocated_billed_nano_usd: string; unallocated_billed_nano_usd: string; charged_nano_usd: string; billed_usd: string; charged_usd: string };
      by_team: { team: string }[];
    }>(`/v1/reports/chargeback?period=${cur.label}&group_by=team`);
    assert.equal(cb.totals.billed_nano_usd, expectedCur.toString());
    assert.equal(cb.unallocated.billed_nano_usd, unallocatedCur.toString());
    assert.equal(cb.unallocated.calls, 3);
    assert.equal(cb.totals.allocated_billed_nano_usd, (expectedCur - unallocatedCur).toString());
    assert.equal(cb.totals.unallocated_billed_nano_usd, unallocatedCur.toString());
    // Charged back is what the teams' lines charge: the unallocated bucket is charged to nobody.
    assert.equal(cb.totals.charged_nano_usd, cb.lines.reduce((s, l) => s + BigInt(l.charged_nano_usd), 0n).toString());
    // Exact decimals, as on every line (display rounding is the console's and the CLI's).
    assert.equal(cb.totals.billed_usd, `${expectedCur / 1_000_000_000n}.${(expectedCur % 1_000_000_000n).toString().padStart(9, '0')}`);
    assert.ok(!cb.lines.some((l) => l.team === ''), 'unallocated calls are not a team line');
    const ads = cb.lines.find((l) => l.team === 'ads')!;
    assert.equal(ads.billed_nano_usd, (cost(1000 * K, 100 * K) * 20n).toString());
    assert.equal(ads.transfer_multiplier, '1.1');
    assert.equal(ads.charged_nano_usd, ((cost(1000 * K, 100 * K) * 20n * 11n) / 10n).toString());
    assert.equal(ads.cost_center, 'CC-ADS');
    assert.equal(cb.lines.find((l) => l.team === 'search')!.billed_nano_usd, (cost(3000 * K, 300 * K) * 10n).toString());
    const csv = await (await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/reports/chargeback?period=${cur.label}&group_by=team&format=csv`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    assert.match(csv.split('\n')[0]!, /^team,calls,billed_nano_usd,transfer_multiplier,charged_nano_usd/);
    assert.match(csv, /\n\(unallocated\),3,/);
    const cli = await runCli(['report', 'chargeback', '--period', cur.label, '--group-by', 'team', '--api-port', String(svc.service.ports.api), '--admin-token', ADMIN_TOKEN]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /\nads\s+20\s+\$7\.00\s+1\.1\s+\$7\.70\s+CC-ADS/);
    assert.match(cli.stdout, /\(unallocated\)\s+3 calls\s+\$2\.10/);
    assert.match(cli.stdout, /\ntotal billed \$[\d,.]+ \(unallocated \$2\.10\), charged back to teams \$[\d,.]+\n/);
  });

  test('the audit names the team with the largest increase and its driver', async () => {
    const a = await get<{ lines: { dimension: string; subject: string; driver: string; change_pct: number; summary: string }[]; headlines: string[] }>(`/v1/reports/audit?period=${cur.label}`);
    const teams = a.lines.filter((l) => l.dimension === 'team');
    assert.equal(teams[0]!.subject, 'search');
    assert.equal(teams[0]!.driver, 'more_tokens_per_call');
    assert.equal(teams[0]!.change_pct, 200);
    assert.equal(teams.find((l) => l.subject === 'ads')!.driver, 'more_calls');
    assert.equal(a.headlines[0], 'Team search: $10.50 this month, up 200% (more tokens per call)');
    assert.ok(a.headlines.includes('Unattributed traffic: $2.10 this month, needs cleanup'), a.headlines.join(' | '));
    assert.equal(a.headlines.filter((h) => h.startsWith('Unattributed traffic')).length, 1, a.headlines.join(' | '));
    for (const l of a.lines) assert.doesNotMatch(l.summary, /new this period \(new\)/, l.summary);
    const cli = await runCli(['report', 'audit', '--period', cur.label, '--api-port', String(svc.service.ports.api), '--admin-token', ADMIN_TOKEN]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^Team search: .* up 200% \(more tokens per call\)/);
  });

  test('reconciliation: an invoice within 1% is within tolerance; $500 of an unseen model is explained; re-import changes nothing', async () => {
    const api = `http://127.0.0.1:${svc.service.ports.api}`;
    const post = async (body: string) => {
      const res = await fetch(`${api}/v1/reports/invoices`, { method: 'POST', body, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' } });
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()) as { lines: number };
    };
    // Last-but-one month: the provider billed 0.5% more than the ledger counted, per day.
    const perDay = cost(1000 * K, 100 * K) * 4n;
    const prevLines = Array.from({ length: 10 }, (_, i) => `${new Date(prev.startMs + (1 + i) * 86_400_000).toISOString().slice(0, 10)},openai,gpt-4o-2024-08-06,${(Number((perDay * 1005n) / 1000n) / 1e9).toFixed(9)}`);
    await post(`date,provider,model,cost\n${prevLines.join('\n')}\n`);
    const ok = await get<{ status: string; summary: string }>(`/v1/reports/reconciliation?period=${prev.label}&tolerance_pct=1`);
    assert.equal(ok.status, 'within_tolerance', ok.summary);

    const invoice = `date,provider,model,cost\n${new Date(cur.startMs + 5 * 86_400_000).toISOString().slice(0, 10)},openai,gpt-4.5-preview,500.00\n`;
    const first = await post(invoice);
    await post(invoice);
    const gap = await get<{ status: string; gap_by_category_nano_usd: Record<string, string>; summary: string }>(`/v1/reports/reconciliation?period=${cur.label}&tolerance_pct=1`);
    assert.equal(first.lines, 1);
    assert.equal(gap.status, 'gap_exceeds_tolerance');
    assert.equal(gap.gap_by_category_nano_usd.not_seen_by_ledger, '500000000000');
    assert.match(gap.summary, /not seen by ledger \$500\.00/);
    const q = await get<{ reconciliation_gap_nano_usd: string }>(`/v1/reports/quality?period=${cur.label}`);
    // The invoice holds only the unseen model: the gap is $500 minus what the ledger has for the month.
    assert.equal(q.reconciliation_gap_nano_usd, (500_000_000_000n - expectedCur).toString());
  });

  test('the FOCUS export has the FOCUS 1.2 columns with valid values, and BilledCost sums to the chargeback total', async () => {
    const rows = await get<Record<string, string | null>[]>(`/v1/reports/focus?period=${cur.label}`);
    const mandatory = ['BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart', 'ChargeCategory',
      'ChargeClass', 'ChargeDescription', 'ChargePeriodEnd', 'ChargePeriodStart', 'ContractedCost', 'EffectiveCost', 'InvoiceIssuerName', 'ListCost',
      'PricingQuantity', 'PricingUnit', 'ProviderName', 'PublisherName', 'ServiceCategory', 'ServiceName'];
    const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
    const decimal = /^-?\d+(\.\d+)?$/;
    let billed = 0n;
    assert.ok(rows.length > 0);
    for (const r of rows) {
      for (const c of mandatory) assert.ok(c in r, `missing ${c}`);
      for (const c of ['BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'PricingQuantity', 'ConsumedQuantity']) assert.match(String(r[c]), decimal, c);
      for (const c of ['BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd']) assert.match(String(r[c]), isoUtc, c);
      assert.equal(r.ChargeCategory, 'Usage');
      assert.equal(r.ServiceCategory, 'AI and Machine Learning');
      assert.equal(r.BillingCurrency, 'USD');
      assert.ok(r.ChargeClass === null);
      assert.ok(Object.keys(r).every((k) => (FOCUS_COLUMNS as readonly string[]).includes(k)));
      assert.ok(Object.keys(r).filter((k) => !mandatory.includes(k)).every((k) => /^[A-Z]/.test(k) || k.startsWith('x_')));
      assert.doesNotThrow(() => JSON.parse(String(r.Tags)));
      const [whole, frac = ''] = String(r.BilledCost).split('.');
      billed += BigInt(whole!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
    }
    assert.equal(billed, expectedCur);
    const csv = await (await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/reports/focus?period=${cur.label}&format=csv`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    assert.equal(csv.split('\n')[0], FOCUS_COLUMNS.join(','));
  });
});

describe('the quality gate for CI and alerting', () => {
  for (const [unallocatedPct, code] of [[3, 1], [1, 0]] as const) {
    test(`${unallocatedPct}% unallocated spend: report quality --max-unallocated-pct 2 exits ${code}`, async () => {
      const svc = await startTestService({ ownership: { registry: registryFile(), allowUnauthenticated: false } });
      try {
        const now = Date.now();
        await send(svc, 'tok-search', Array.from({ length: 100 - unallocatedPct }, () => ({ input: 1000, output: 100, atMs: now })));
        await send(svc, 'tok-collector', Array.from({ length: unallocatedPct }, () => ({ input: 1000, output: 100, atMs: now, service: 'mystery-job' })));
        const res = await runCli(['report', 'quality', '--max-unallocated-pct', '2', '--api-port', String(svc.service.ports.api), '--admin-token', ADMIN_TOKEN]);
        assert.equal(res.code, code, res.stderr);
        assert.match(res.stdout, new RegExp(`unallocated_spend_pct\\s+${unallocatedPct}\\n`));
        // The table reads as people read it; exact figures stay in --format json.
        assert.match(res.stdout, /\nbilled {2,}\$0\.\d{2,}\n/);
        assert.match(res.stdout, new RegExp(`\\nunallocated_spend_ratio\\s+${unallocatedPct}\\.00%\\n`));
        assert.match(res.stdout, /\nreconciliation_gap\s+\(none\)\n/);
        const metrics = await (await fetch(`http://127.0.0.1:${svc.service.ports.api}/metrics`)).text();
        assert.match(metrics, new RegExp(`spanledger_quality_unallocated_spend_ratio ${unallocatedPct / 100}\\n`));
      } finally {
        await svc.stop();
      }
    });
  }
});
