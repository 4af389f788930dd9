import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../src/ownership';
import { signature } from '../src/policy';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { startTestService, type TestService } from './helpers/test-service';
import { startWebhookReceiver } from './helpers/webhook-receiver';
import { waitFor } from './helpers/wait';

const GATEWAY = 'tok-gateway-policy';
const SEARCH_APP = 'tok-search-app';
const SEARCH_TENANT_TOKEN = 'sk-tenant-search';
const WEBHOOK_SECRET = 'webhook-secret-0123456789';

// budget-model costs exactly $0.001 per input token and $0.002 per output token.
const PRICES = `overrides:
  - id: budget-model
    provider: "*"
    model: budget-model
    rates: { input: "1000", output: "2000" }
`;

function registry(): string {
  return `
tenants:
  - { id: search, team: search, app: search-api, tokens: ["${hashToken(SEARCH_TENANT_TOKEN)}"], budget: { amount: "10", currency: USD, period: month } }
  - { id: burst, team: burst, app: burst-api, budget: { amount: "1.00", period: month } }
  - { id: mini-only, team: lab, app: lab-api, allowedModels: ["openai/gpt-4o-mini", "claude-*"] }
  - { id: limited, team: lab, app: limited-api, rateLimits: { requestsPerMinute: 5 } }
  - { id: settling, team: settling, app: settling-api, budget: { amount: "5" } }
  - { id: pair-a, team: pair, app: pair-a }
  - { id: pair-b, team: pair, app: pair-b }
  - { id: dup, team: dup, app: dup-api, budget: { amount: "5" } }
ownership:
  pair: { costCenter: CC-9, budget: { amount: "0.005", period: day } }
senders:
  - { id: gateway, token: "${hashToken(GATEWAY)}", gateway: true }
  - { id: search-api, token: "${hashToken(SEARCH_APP)}", tenant: search }
  - { id: dup-api, token: "${hashToken('tok-dup-app')}", tenant: dup }
`;
}

interface DecisionBody {
  decision: string;
  decision_id: string;
  reason?: string;
  message?: string;
  budget?: { limit: string; spent: string; reserved: string; remaining: string; currency: string; period_start: string; resets_at: string };
  reservation?: { id: string; amount: string };
  retry_after?: number;
  error?: { message: string; type: string; param: null; code: string };
}

describe('the policy endpoint the gateway asks before each call', () => {
  let svc: TestService;
  let api: string;
  let otlp: string;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let dir: string;
  const database = `policy_${process.pid}`;

  const start = () =>
    startTestService({
      ownership: { registry: path.join(dir, 'registry.yaml'), allowUnauthenticated: false },
      pricing: { prices: path.join(dir, 'prices.yaml') },
      policy: { refreshMs: 200, webhooks: [{ url: hooks.url, secret: WEBHOOK_SECRET }], webhookRetryBaseMs: 20 },
      ledger: { database },
    });

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'spanledger-policy-'));
    writeFileSync(path.join(dir, 'registry.yaml'), registry());
    writeFileSync(path.join(dir, 'prices.yaml'), PRICES);
    hooks = await startWebhookReceiver();
    svc = await start();
    api = `http://127.0.0.1:${svc.service.ports.api}`;
    otlp = `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
  });
  after(async () => {
    await svc.stop();
    await hooks.close();
  });

  const decide = async (body: Record<string, unknown>, token = GATEWAY): Promise<{ status: number; body: DecisionBody }> => {
    const res = await fetch(`${api}/v1/policy/decide`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as DecisionBody };
  };
  const spend = async (inputTokens: number, attrs: Record<string, string | number> = {}) => {
    const res = await fetch(otlp, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${SEARCH_APP}` },
      body: encodeRequest([{ traceId: newTraceId(), spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.provider.name': 'acme', 'gen_ai.request.model': 'budget-model', 'gen_ai.usage.input_tokens': inputTokens, 'gen_ai.usage.output_tokens': 0, ...attrs } }]),
    });
    assert.equal(res.status, 200);
    // Counted in memory on acknowledgement; a refresh moves it to the ledger's share.
    await svc.service.policy.refresh();
  };
  const ask = { tenant_token: SEARCH_TENANT_TOKEN, provider: 'acme', model: 'budget-model' };

  test('a $10 budget: $7.90 allows, $8.00 warns once (one signed webhook), $10.00 denies naming the figures', async () => {
    await spend(7900); // $7.90
    const allow = await decide(ask);
    assert.equal(allow.body.decision, 'allow');
    assert.deepEqual([allow.body.budget?.limit, allow.body.budget?.spent, allow.body.budget?.remaining], ['10.00', '7.90', '2.10']);

    await spend(100); // $8.00
    const warn = await decide(ask);
    assert.equal(warn.body.decision, 'warn');
    assert.equal(warn.body.reason, 'budget_warning');
    assert.equal((await decide(ask)).body.decision, 'warn');
    await waitFor(() => hooks.deliveries.length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(hooks.deliveries.length, 1);
    const [d] = hooks.deliveries;
    const ts = String(d!.headers['x-spanledger-timestamp']);
    assert.equal(d!.headers['x-spanledger-signature'], signature(WEBHOOK_SECRET, ts, d!.body));
    const event = JSON.parse(d!.body) as { type: string; subject: string; spent_nano_usd: string; limit_nano_usd: string };
    assert.deepEqual([event.type, event.subject, event.spent_nano_usd, event.limit_nano_usd], ['budget_warning', 'search', '8000000000', '10000000000']);

    await spend(2000); // $10.00
    const deny = await decide(ask);
    assert.equal(deny.status, 200);
    assert.equal(deny.body.decision, 'deny');
    assert.equal(deny.body.error?.type, 'budget_exceeded');
    assert.equal(deny.body.error?.code, '429');
    assert.equal(deny.body.error?.param, null);
    assert.match(deny.body.error!.message, /^Budget exceeded for tenant search: monthly budget \$10\.00 USD, spent \$10\.00, reserved \$0\.00, remaining \$0\.00/);
    assert.ok((deny.body.retry_after ?? 0) > 0);

    await new Promise((r) => setTimeout(r, 300));
    const listed = await fetch(`${api}/v1/policy/events?tenant=search`, { headers: { authorization: `Bearer ${GATEWAY}` } });
    const listedBody = (await listed.json()) as { events: { kind: string }[] };
    assert.equal(listed.status, 200, JSON.stringify(listedBody));
    const { events } = listedBody;
    // The warning at $8.00, exceeded when spend reached $10.00, exhausted at the first deny.
    assert.deepEqual(events.map((e) => e.kind).sort(), ['budget_exceeded', 'budget_exhausted', 'budget_warning']);
  });

  test('a new period allows again', () => {
    const now = new Date();
    const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 2);
    const d = svc.service.policy.decide({ tenantId: 'search', model: 'budget-model', provider: 'acme', reserve: false }, nextMonth);
    assert.equal(d.decision, 'allow');
    assert.equal(d.budgets[0]?.spentNano, 0n);
  });

  test('50 concurrent decides with reservations against a budget that fits 10 calls: 10 allows', async () => {
    // burst: $1.00; each call may cost 100 input tokens x $0.001 = $0.10.
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => decide({ tenant_id: 'burst', provider: 'acme', model: 'budget-model', estimated_input_tokens: 100, max_tokens: 0, request_id: `burst-${i}` })));
    const allowed = answers.filter((a) => a.body.decision !== 'deny');
    assert.equal(allowed.length, 10);
    assert.ok(answers.filter((a) => a.body.decision === 'deny').every((a) => a.body.reason === 'budget_exceeded'));
    assert.equal(allowed[0]?.body.reservation?.amount, '0.10');
    // Settling one frees room for exactly one more.
    const settle = await fetch(`${api}/v1/policy/settle`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY}` }, body: JSON.stringify({ reservation_id: allowed[0]!.body.reservation!.id }) });
    assert.deepEqual(await settle.json(), { released: true });
    assert.notEqual((await decide({ tenant_id: 'burst', provider: 'acme', model: 'budget-model', estimated_input_tokens: 100 })).body.decision, 'deny');
    assert.equal((await decide({ tenant_id: 'burst', provider: 'acme', model: 'budget-model', estimated_input_tokens: 100 })).body.decision, 'deny');
  });

  test('a team budget rolls up its tenants', async () => {
    // pair: $0.005 a day across pair-a and pair-b; each call may cost 2 input tokens x $0.001.
    const call = (tenant: string) => decide({ tenant_id: tenant, provider: 'acme', model: 'budget-model', estimated_input_tokens: 2 });
    assert.equal((await call('pair-a')).body.decision, 'allow');
    assert.equal((await call('pair-b')).body.decision, 'warn');
    const third = await call('pair-a');
    assert.equal(third.body.decision, 'deny');
    assert.match(third.body.error!.message, /^Budget exceeded for team pair: daily budget \$0\.005 USD, spent \$0\.00, reserved \$0\.004/);
  });

  test('allowed models: gpt-4o-mini yes, gpt-4o no (model_not_allowed), a glob allows a family', async () => {
    assert.equal((await decide({ tenant_id: 'mini-only', provider: 'openai', model: 'gpt-4o-mini' })).body.decision, 'allow');
    const denied = await decide({ tenant_id: 'mini-only', model: 'openai/gpt-4o' });
    assert.equal(denied.body.reason, 'model_not_allowed');
    assert.equal(denied.body.error?.code, '403');
    assert.equal((await decide({ tenant_id: 'mini-only', provider: 'anthropic', model: 'claude-sonnet-4-20250514' })).body.decision, 'allow');
  });

  test('rate limit: the sixth request in a minute is denied with retry_after', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await decide({ tenant_id: 'limited', model: 'gpt-4o-mini' })).body.decision, 'allow');
    const sixth = await decide({ tenant_id: 'limited', model: 'gpt-4o-mini' });
    assert.equal(sixth.body.reason, 'rate_limited');
    assert.ok((sixth.body.retry_after ?? 0) >= 1);
  });

  test('unknown tenant, missing metadata, and missing or non-gateway credentials', async () => {
    assert.equal((await decide({ tenant_token: 'sk-nobody', model: 'gpt-4o' })).body.reason, 'unknown_tenant');
    assert.equal((await decide({ model: 'gpt-4o' })).body.reason, 'missing_metadata');
    assert.equal((await decide(ask, '')).status, 401);
    assert.equal((await decide(ask, SEARCH_APP)).status, 401);
    const bad = await decide({ tenant_id: 'search', model: 'x', max_tokens: -1 });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error!.message, /max_tokens/);
    // Validation never repairs a body: no coercion of "100" to 100, no silently dropped fields.
    const text = await decide({ tenant_id: 'search', model: 'x', max_tokens: '100' });
    assert.equal(text.status, 400);
    assert.match(text.body.error!.message, /^max_tokens: must be integer/);
    const extra = await decide({ tenant_id: 'search', model: 'x', maxTokens: 100 });
    assert.equal(extra.status, 400);
    assert.match(extra.body.error!.message, /unknown field maxTokens/);
  });

  test('a call reported by both the gateway and the SDK counts once against the budget', async () => {
    const traceId = newTraceId();
    const sdkSpan = newSpanId();
    const usage = { 'gen_ai.provider.name': 'acme', 'gen_ai.request.model': 'budget-model', 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 0 };
    const post = async (token: string, body: Buffer) =>
      assert.equal((await fetch(otlp, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` }, body })).status, 200);
    await post('tok-dup-app', encodeRequest([{ traceId, spanId: sdkSpan, name: 'chat budget-model', attributes: usage }], 'dup-api'));
    await post(GATEWAY, encodeRequest([{ traceId, spanId: newSpanId(), parentSpanId: sdkSpan, name: 'litellm_request', attributes: { ...usage, 'spanledger.tenant.id': 'dup' } }], 'gateway'));
    await svc.service.resolveMarks();
    // A refresh already under way may have read the ledger before the marks; the second one has not.
    await svc.service.policy.refresh();
    await svc.service.policy.refresh();
    const d = await decide({ tenant_id: 'dup', provider: 'acme', model: 'budget-model' });
    assert.deepEqual([d.body.budget?.spent, d.body.budget?.remaining], ['1.00', '4.00']);
  });

  /** The gateway's span of one call of tenant settling, carrying `requestId`; returns its trace id. */
  const gatewayCall = async (requestId: string): Promise<string> => {
    const traceId = newTraceId();
    const res = await fetch(otlp, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${GATEWAY}` },
      body: encodeRequest([{ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'spanledger.tenant.id': 'settling', 'spanledger.request_id': requestId, 'gen_ai.provider.name': 'acme', 'gen_ai.request.model': 'budget-model', 'gen_ai.usage.input_tokens': 1 } }], 'gateway'),
    });
    assert.equal(res.status, 200);
    return traceId;
  };
  const decisionOnLedger = (traceId: string) =>
    svc.rows('SELECT policy_decision_id AS id, policy_outcome AS outcome FROM llm_calls FINAL WHERE trace_id = {t:String}', { t: traceId });

  test("a call's span settles its reservation and carries the decision in the ledger", async () => {
    const d = await decide({ tenant_id: 'settling', provider: 'acme', model: 'budget-model', estimated_input_tokens: 1, request_id: 'req-settle-1' });
    assert.equal(d.body.decision, 'allow');
    assert.equal(d.body.budget?.reserved, '0.001');
    const reservedBefore = svc.service.policy.decide({ tenantId: 'settling', model: 'budget-model', reserve: false }).budgets[0]!.reservedNano;
    const traceId = await gatewayCall('req-settle-1');
    const after = svc.service.policy.decide({ tenantId: 'settling', model: 'budget-model', reserve: false }).budgets[0]!;
    assert.equal(after.reservedNano, reservedBefore - 1_000_000n);
    assert.equal(after.spentNano, 1_000_000n);
    const rows = await decisionOnLedger(traceId);
    assert.deepEqual(rows, [{ id: d.body.decision_id, outcome: d.body.decision }]);
  });

  test('a long call still carries its decision after many newer decisions: the reservation remembers it', async () => {
    const d = await decide({ tenant_id: 'settling', provider: 'acme', model: 'budget-model', estimated_input_tokens: 1, request_id: 'req-long-1' });
    assert.equal(d.body.decision, 'allow');
    // More decisions than the recent-decisions memory holds arrive while the call runs.
    for (let i = 0; i < 120_000; i++) svc.service.policy.decide({ tenantId: 'mini-only', provider: 'openai', model: 'gpt-4o-mini', requestId: `filler-${i}`, reserve: false });
    const traceId = await gatewayCall('req-long-1');
    const rows = await decisionOnLedger(traceId);
    assert.deepEqual(rows, [{ id: d.body.decision_id, outcome: 'allow' }]);
  });

  test('a call settled by the gateway before its span arrives still carries its decision', async () => {
    const d = await decide({ tenant_id: 'settling', provider: 'acme', model: 'budget-model', estimated_input_tokens: 1, request_id: 'req-early-1' });
    const settled = await fetch(`${api}/v1/policy/settle`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY}` }, body: JSON.stringify({ request_id: 'req-early-1', tenant_id: 'settling' }) });
    assert.deepEqual(await settled.json(), { released: true });
    const traceId = await gatewayCall('req-early-1');
    const rows = await decisionOnLedger(traceId);
    assert.deepEqual(rows, [{ id: d.body.decision_id, outcome: 'allow' }]);
  });

  test('budget state survives a restart: spend from the ledger, open reservations from storage', async () => {
    const before = svc.service.policy.decide({ tenantId: 'burst', model: 'budget-model', reserve: false }).budgets[0]!;
    const search = svc.service.policy.decide({ tenantId: 'search', model: 'budget-model', reserve: false }).budgets[0]!;
    const sent = () => hooks.deliveries.map((h) => JSON.parse(h.body) as { type: string; subject: string }).map((e) => `${e.type}:${e.subject}`).sort();
    await new Promise((r) => setTimeout(r, 300));
    const beforeRestart = sent();
    assert.ok(beforeRestart.includes('budget_warning:search') && beforeRestart.includes('budget_exhausted:burst'));
    await svc.stop();
    svc = await start();
    api = `http://127.0.0.1:${svc.service.ports.api}`;
    const burst = svc.service.policy.decide({ tenantId: 'burst', model: 'budget-model', reserve: false }).budgets[0]!;
    assert.equal(burst.reservedNano, before.reservedNano, 'burst reservations after restart');
    assert.equal(burst.spentNano, before.spentNano, 'burst spend after restart');
    const s = svc.service.policy.decide({ tenantId: 'search', model: 'budget-model', reserve: false });
    assert.equal(s.budgets[0]!.spentNano, search.spentNano, 'search spend after restart');
    assert.equal(s.decision, 'deny', 'search is still over budget after restart');
    // Each event was sent once this period: a restart sends none again.
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(sent(), beforeRestart, 'webhook deliveries after restart');
  });

  test('the API describes itself at /openapi.json', async () => {
    const doc = (await (await fetch(`${api}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/v1/policy/decide', '/v1/policy/events', '/v1/policy/settle']);
  });
});
