import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../src/ownership';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { registryFile, startTestService, type TestService } from './helpers/test-service';

const GW1 = 'tok-gateway-one';
const GW2 = 'tok-gateway-two';
const ALPHA_APP = 'tok-alpha-app';
const BETA_APP = 'tok-beta-app';
// budget-model costs exactly $0.001 (1,000,000 nano-USD) per input token.
const PER_TOKEN = 1_000_000n;

// Request ids come from senders (one of the names read is the application's own
// x-request-id header), so a reservation is closed only by a span of its own tenant, and a
// gateway's span only when that gateway reserved it.
describe('request ids are scoped per tenant and per reserving gateway', () => {
  let svc: TestService;
  let api: string;
  let otlp: string;

  before(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-request-scope-'));
    writeFileSync(path.join(dir, 'prices.yaml'), 'overrides:\n  - { id: budget-model, provider: "*", model: budget-model, rates: { input: "1000", output: "2000" } }\n');
    svc = await startTestService({
      ownership: {
        registry: registryFile(`
tenants:
  - { id: alpha, team: alpha, app: alpha-api, budget: { amount: "100" } }
  - { id: beta, team: beta, app: beta-api, budget: { amount: "100" } }
senders:
  - { id: gateway-1, token: "${hashToken(GW1)}", gateway: true }
  - { id: gateway-2, token: "${hashToken(GW2)}", gateway: true }
  - { id: alpha-api, token: "${hashToken(ALPHA_APP)}", tenant: alpha }
  - { id: beta-api, token: "${hashToken(BETA_APP)}", tenant: beta }
`),
        allowUnauthenticated: false,
      },
      pricing: { prices: path.join(dir, 'prices.yaml') },
      policy: { refreshMs: 3_600_000 },
    });
    api = `http://127.0.0.1:${svc.service.ports.api}`;
    otlp = `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
  });
  after(async () => {
    await svc.stop();
  });

  const post = async (url: string, token: string, body: Record<string, unknown>) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { reservation?: { id: string; amount: string }; decision_id?: string; error?: { message: string } } };
  };
  const reserve = async (gateway: string, tenant: string, requestId: string, tokens: number) => {
    const d = await post(`${api}/v1/policy/decide`, gateway, { tenant_id: tenant, provider: 'acme', model: 'budget-model', estimated_input_tokens: tokens, request_id: requestId });
    assert.equal(d.status, 200);
    assert.ok(d.body.reservation, 'a reservation was opened');
    return d.body;
  };
  const reserved = (tenant: string) => svc.service.policy.decide({ tenantId: tenant, model: 'budget-model', reserve: false }).budgets[0]!.reservedNano;
  /** One span of `tokens` input tokens carrying `attrs`, sent with `token`; returns its trace id. */
  const span = async (token: string, attrs: Record<string, string | number>, service: string): Promise<string> => {
    const traceId = newTraceId();
    const res = await fetch(otlp, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
      body: encodeRequest([{ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.provider.name': 'acme', 'gen_ai.request.model': 'budget-model', 'gen_ai.usage.input_tokens': 1, ...attrs } }], service),
    });
    assert.equal(res.status, 200);
    return traceId;
  };
  const decisionOf = async (traceId: string) =>
    (await svc.rows<{ id: string }>('SELECT policy_decision_id AS id FROM llm_calls FINAL WHERE trace_id = {t:String}', { t: traceId }))[0]?.id;

  test("another tenant's span, or another gateway's, carrying the request id leaves the reservation open", async () => {
    const base = reserved('alpha');
    const d = await reserve(GW1, 'alpha', 'req-foreign', 10);
    assert.equal(reserved('alpha'), base + 10n * PER_TOKEN);

    // beta's application sets the same id on its own call, through its x-request-id header.
    const foreign = await span(BETA_APP, { 'http.request.header.x-request-id': 'req-foreign' }, 'beta-api');
    assert.equal(reserved('alpha'), base + 10n * PER_TOKEN, "beta's span did not release alpha's reservation");
    assert.equal(await decisionOf(foreign), '', "beta's row does not carry alpha's decision");

    // A gateway that did not reserve it, claiming alpha.
    await span(GW2, { 'spanledger.tenant.id': 'alpha', 'spanledger.request_id': 'req-foreign' }, 'gateway');
    assert.equal(reserved('alpha'), base + 10n * PER_TOKEN, "gateway-2's span did not release gateway-1's reservation");

    // alpha's own application reporting the call closes it, and its row carries the decision.
    const own = await span(ALPHA_APP, { 'spanledger.request_id': 'req-foreign' }, 'alpha-api');
    assert.equal(reserved('alpha'), base);
    assert.equal(await decisionOf(own), d.decision_id);
  });

  test('the reserving gateway\'s own span closes its reservation', async () => {
    const base = reserved('alpha');
    await reserve(GW1, 'alpha', 'req-gateway-own', 3);
    await span(GW1, { 'spanledger.tenant.id': 'alpha', 'spanledger.request_id': 'req-gateway-own' }, 'gateway');
    assert.equal(reserved('alpha'), base);
  });

  test('two tenants reserving under one request id: each span closes its own tenant\'s reservation, none is stranded', async () => {
    const [a0, b0] = [reserved('alpha'), reserved('beta')];
    await reserve(GW1, 'alpha', 'req-same', 10);
    await reserve(GW1, 'beta', 'req-same', 20);
    assert.deepEqual([reserved('alpha'), reserved('beta')], [a0 + 10n * PER_TOKEN, b0 + 20n * PER_TOKEN]);
    await span(ALPHA_APP, { 'spanledger.request_id': 'req-same' }, 'alpha-api');
    assert.deepEqual([reserved('alpha'), reserved('beta')], [a0, b0 + 20n * PER_TOKEN], "alpha's span closed alpha's reservation only");
    await span(BETA_APP, { 'spanledger.request_id': 'req-same' }, 'beta-api');
    assert.deepEqual([reserved('alpha'), reserved('beta')], [a0, b0]);
  });

  test('a tenant asking again under the same request id replaces its open reservation instead of stranding it', async () => {
    const base = reserved('alpha');
    await reserve(GW1, 'alpha', 'req-retried', 10);
    await reserve(GW1, 'alpha', 'req-retried', 4);
    assert.equal(reserved('alpha'), base + 4n * PER_TOKEN);
    await span(ALPHA_APP, { 'spanledger.request_id': 'req-retried' }, 'alpha-api');
    assert.equal(reserved('alpha'), base);
  });

  test('settle by request id names the tenant, and releases only what the calling gateway reserved', async () => {
    const [a0, b0] = [reserved('alpha'), reserved('beta')];
    await reserve(GW1, 'alpha', 'req-settle', 5);
    const b = await reserve(GW1, 'beta', 'req-settle', 7);
    const noTenant = await post(`${api}/v1/policy/settle`, GW1, { request_id: 'req-settle' });
    assert.equal(noTenant.status, 400);
    assert.match(noTenant.body.error!.message, /^tenant_id: request ids are per tenant: give tenant_id, tenant_token or tenant_token_sha256 with request_id/);
    assert.deepEqual((await post(`${api}/v1/policy/settle`, GW2, { request_id: 'req-settle', tenant_id: 'beta' })).body, { released: false }, 'gateway-2 did not reserve it');
    assert.deepEqual((await post(`${api}/v1/policy/settle`, GW2, { reservation_id: b.reservation!.id })).body, { released: false });
    assert.deepEqual((await post(`${api}/v1/policy/settle`, GW1, { request_id: 'req-settle', tenant_id: 'beta' })).body, { released: true });
    assert.deepEqual([reserved('alpha'), reserved('beta')], [a0 + 5n * PER_TOKEN, b0]);
    assert.deepEqual((await post(`${api}/v1/policy/settle`, GW1, { request_id: 'req-settle', tenant_id: 'alpha' })).body, { released: true });
    assert.equal(reserved('alpha'), a0);
  });
});
