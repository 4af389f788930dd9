import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../src/ownership';
import { FOCUS_1_2_COLUMNS, FOCUS_COLUMNS } from '../src/reports';
import { killAll, runCli } from './helpers/cli-process';
import { encodeRequest, newSpanId, newTraceId, type RawSpan } from './helpers/payloads';
import { ADMIN_TOKEN, registryFile, startTestService, type TestService } from './helpers/test-service';
import { waitFor } from './helpers/wait';

after(killAll);

const DAY_MS = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

// gpt-4o-mini input: 150 nano-USD a token from the catalog, 100 after the negotiated rate.
//   tenant a: 1000 tokens  150,000 list -> 100,000 billed
//   tenant b: 3000 tokens  450,000 list -> 300,000 billed
//   no owner: 1000 tokens  150,000 list -> 100,000 billed
// The origin charge (OpenAI, gpt-4o-mini, the day) is 500,000 billed: shares 0.2, 0.6, 0.2.
describe('FOCUS 1.3: list and contracted cost, the split of each provider charge, service and host providers', () => {
  let svc: TestService;
  const day = Math.floor(Date.now() / DAY_MS) * DAY_MS - 2 * DAY_MS;
  const q = `from=${utcDay(day)}&to=${utcDay(day + DAY_MS)}`;
  const get = async (p: string) => fetch(`http://127.0.0.1:${svc.service.ports.api}${p}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

  before(async () => {
    const prices = path.join(mkdtempSync(path.join(tmpdir(), 'spanledger-focus-')), 'prices.yaml');
    writeFileSync(prices, 'overrides: []\n');
    svc = await startTestService({
      pricing: { prices, pricesPollMs: 50 },
      ownership: {
        registry: registryFile(`
tenants: [{ id: a, team: search, app: search-api, feature: answers }, { id: b, team: ads, app: ads-api, feature: bidding }]
senders:
  - { id: a, token: "${hashToken('tok-a')}", tenant: a }
  - { id: b, token: "${hashToken('tok-b')}", tenant: b }
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
    const call = (provider: string, model: string, input: number): RawSpan => ({
      traceId: newTraceId(), spanId: newSpanId(), name: 'chat', startUnixNano: BigInt(day + 12 * 3_600_000) * 1_000_000n,
      attributes: { 'gen_ai.provider.name': provider, 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model, 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': 0 },
    });
    await send('tok-a', 'search-api', [call('openai', 'gpt-4o-mini', 1000), call('aws.bedrock', 'anthropic.claude-3-5-sonnet-20240620-v1:0', 1000)]);
    await send('tok-b', 'ads-api', [call('openai', 'gpt-4o-mini', 3000)]);
    await send('tok-collector', 'mystery-job', [call('openai', 'gpt-4o-mini', 1000)]);
    // The negotiated rate arrives later; the period is re-rated under it.
    writeFileSync(prices, `overrides:
  - { id: mini-negotiated, provider: openai, model: "gpt-4o-mini*", effectiveFrom: ${utcDay(day - DAY_MS)}, rates: { input: "0.10", output: "0.40" } }
`);
    await waitFor(() => svc.service.priceBook.current().overrideCount === 1);
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/admin/prices/reprice`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: utcDay(day), to: utcDay(day + DAY_MS) }),
    });
    assert.equal(res.status, 200, await res.clone().text());
  });
  after(async () => {
    await svc?.stop();
  });

  test('1.3 is the default: list cost before the negotiated rate, contracted and billed after it, and each row a share of its provider charge', async () => {
    const res = await get(`/v1/reports/focus?${q}`);
    assert.equal(res.status, 200);
    const rows = (await res.json()) as Record<string, string | null>[];
    const mini = rows.filter((r) => r.x_Model === 'gpt-4o-mini');
    const pick = (r: Record<string, string | null>) => [r.SubAccountId, r.ListCost, r.ContractedCost, r.BilledCost, r.EffectiveCost];
    assert.deepEqual(mini.map(pick).sort(), [
      ['a', '0.000150000', '0.000100000', '0.000100000', '0.000100000'],
      ['b', '0.000450000', '0.000300000', '0.000300000', '0.000300000'],
      [null, '0.000150000', '0.000100000', '0.000100000', '0.000100000'],
    ].sort());
    const a = mini.find((r) => r.SubAccountId === 'a')!;
    assert.equal(a.AllocatedMethodId, 'spanledger-per-call-attribution');
    assert.deepEqual(JSON.parse(a.AllocatedMethodDetails!), { Elements: [{ AllocatedRatio: 0.2, UsageUnit: 'Tokens', UsageQuantity: 1000 }] });
    assert.equal(a.AllocatedResourceId, 'tenant:a/team:search/app:search-api/feature:answers');
    assert.equal(a.AllocatedResourceName, 'search / search-api / answers (tenant a)');
    assert.deepEqual(JSON.parse(a.AllocatedTags!), { 'spanledger/tenant': 'a', 'spanledger/team': 'search', 'spanledger/app': 'search-api', 'spanledger/feature': 'answers' });
    assert.deepEqual(JSON.parse(a.Tags!), {}, 'allocation tags are not repeated in Tags');
    assert.deepEqual([a.ServiceProviderName, a.HostProviderName, a.InvoiceIssuerName, a.PublisherName, a.ProviderName], ['OpenAI', 'OpenAI', 'OpenAI', 'OpenAI', 'OpenAI']);
    const b = mini.find((r) => r.SubAccountId === 'b')!;
    assert.equal(JSON.parse(b.AllocatedMethodDetails!).Elements[0].AllocatedRatio, 0.6);
    // The unallocated portion of the charge: no allocated resource, name or tags.
    const none = mini.find((r) => r.SubAccountId === null)!;
    assert.deepEqual([none.AllocatedMethodId, none.AllocatedResourceId, none.AllocatedResourceName, none.AllocatedTags], ['spanledger-per-call-attribution', null, null, null]);
    assert.equal(JSON.parse(none.AllocatedMethodDetails!).Elements[0].AllocatedRatio, 0.2);
    // An Anthropic model served by Bedrock: Anthropic's service on AWS, billed by AWS.
    const claude = rows.find((r) => r.x_Model === 'anthropic.claude-3-5-sonnet-20240620-v1:0')!;
    assert.deepEqual([claude.ServiceProviderName, claude.HostProviderName, claude.InvoiceIssuerName, claude.PublisherName, claude.ServiceName],
      ['Anthropic', 'AWS', 'AWS', 'Anthropic', 'Amazon Bedrock']);
    for (const r of rows) assert.deepEqual(Object.keys(r), [...FOCUS_COLUMNS]);
    const csv = await (await get(`/v1/reports/focus?${q}&format=csv`)).text();
    assert.equal(csv.split('\n')[0], FOCUS_COLUMNS.join(','));
  });

  test('1.2 stays selectable, with its own columns', async () => {
    const res = await get(`/v1/reports/focus?${q}&focus_version=1.2`);
    assert.equal(res.status, 200);
    const rows = (await res.json()) as Record<string, string | null>[];
    for (const r of rows) assert.deepEqual(Object.keys(r).sort(), [...FOCUS_1_2_COLUMNS].sort());
    const a = rows.find((r) => r.SubAccountId === 'a' && r.x_Model === 'gpt-4o-mini')!;
    assert.deepEqual(JSON.parse(a.Tags!), { team: 'search', app: 'search-api', feature: 'answers' });
    assert.equal(a.ListCost, '0.000150000');
    assert.equal(rows.find((r) => r.x_Model?.startsWith('anthropic.'))!.ProviderName, 'AWS');
    const csv = await (await get(`/v1/reports/focus?${q}&focus_version=1.2&format=csv`)).text();
    assert.equal(csv.split('\n')[0], FOCUS_1_2_COLUMNS.join(','));
    const cli = await runCli(['report', 'focus', '--from', utcDay(day), '--to', utcDay(day + DAY_MS), '--focus-version', '1.2', '--format', 'csv',
      '--api-port', String(svc.service.ports.api), '--admin-token', ADMIN_TOKEN]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout.split('\n')[0], FOCUS_1_2_COLUMNS.join(','));
    const bad = await get(`/v1/reports/focus?${q}&focus_version=2.0`);
    assert.equal(bad.status, 400);
    const refusal = (await bad.json()) as { error?: string; code?: string };
    assert.equal(refusal.code, 'SPANLEDGER_INVALID_REQUEST');
    assert.match(refusal.error ?? '', /focus_version: '2\.0' is not one of 1\.3, 1\.2/);
  });
});
