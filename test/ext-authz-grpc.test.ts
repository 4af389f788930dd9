import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { hashToken } from '../src/ownership';
import { envoyAuthzClient, headersOf, type EnvoyCheckResponse, type EnvoyHttpRequest } from './helpers/envoy-authz';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { startTestService, type TestService } from './helpers/test-service';

const GATEWAY = 'tok-envoy-gateway';
const APP = 'tok-not-a-gateway';
// budget-model costs exactly $0.001 per input token and $0.002 per output token.
const PRICES = `overrides:
  - { id: budget-model, provider: "*", model: budget-model, rates: { input: "1000", output: "2000" } }
`;
const tenants = ['fresh', 'warned', 'spent', 'burst', 'limited', 'mini-only', 'no-price'];
const tok = (t: string) => `sk-${t}`;
const REGISTRY = `
tenants:
  - { id: fresh, team: a, app: a, tokens: ["${hashToken(tok('fresh'))}"], budget: { amount: "10" } }
  - { id: warned, team: b, app: b, tokens: ["${hashToken(tok('warned'))}"], budget: { amount: "10" } }
  - { id: spent, team: c, app: c, tokens: ["${hashToken(tok('spent'))}"], budget: { amount: "1" } }
  - { id: burst, team: d, app: d, tokens: ["${hashToken(tok('burst'))}"], budget: { amount: "1" } }
  - { id: limited, team: e, app: e, tokens: ["${hashToken(tok('limited'))}"], rateLimits: { requestsPerMinute: 2 } }
  - { id: mini-only, team: f, app: f, tokens: ["${hashToken(tok('mini-only'))}"], allowedModels: ["gpt-4o-mini"] }
  - { id: no-price, team: g, app: g, tokens: ["${hashToken(tok('no-price'))}"], budget: { amount: "5" } }
senders:
  - { id: envoy, token: "${hashToken(GATEWAY)}", gateway: true }
  - { id: app, token: "${hashToken(APP)}", tenant: fresh }
${tenants.slice(1, 4).map((t) => `  - { id: ${t}-app, token: "${hashToken(`app-${t}`)}", tenant: ${t} }`).join('\n')}
`;

describe('Envoy ext_authz over gRPC: Authorization/Check with a real grpc-js client and Envoy\'s own definitions', () => {
  let svc: TestService;
  let client: ReturnType<typeof envoyAuthzClient>;
  let address: string;

  before(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-extauthz-'));
    writeFileSync(path.join(dir, 'registry.yaml'), REGISTRY);
    writeFileSync(path.join(dir, 'prices.yaml'), PRICES);
    svc = await startTestService({
      ownership: { registry: path.join(dir, 'registry.yaml'), allowUnauthenticated: false },
      pricing: { prices: path.join(dir, 'prices.yaml') },
      policy: { refreshMs: 60_000, extAuthz: { grpcPort: 0 } },
    });
    address = `127.0.0.1:${svc.service.ports.extAuthzGrpc}`;
    client = envoyAuthzClient(address);
    // Spend so far, reported by each tenant's own application.
    await spend('warned', 8000); // $8.00 of $10: past the 80% warning
    await spend('spent', 1000); // $1.00 of $1: exhausted
    await spend('burst', 900); // $0.90 of $1
  });
  after(async () => {
    client.close();
    await svc.stop();
  });

  const spend = async (tenant: string, inputTokens: number) => {
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer app-${tenant}` },
      body: encodeRequest([{ traceId: newTraceId(), spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.provider.name': 'acme', 'gen_ai.request.model': 'budget-model', 'gen_ai.usage.input_tokens': inputTokens, 'gen_ai.usage.output_tokens': 0 } }]),
    });
    assert.equal(res.status, 200);
  };
  const http = (tenant: string, over: Partial<EnvoyHttpRequest> = {}, headers: Record<string, string> = {}): EnvoyHttpRequest => ({
    id: `envoy-${Math.random().toString(36).slice(2)}`,
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { authorization: `Bearer ${tok(tenant)}`, 'x-ai-eg-model': 'budget-model', ...headers },
    ...over,
  });
  const deniedBody = (res: EnvoyCheckResponse) => JSON.parse(res.denied_response!.body) as { decision: string; reason: string; error: { type: string; code: string; message: string }; retry_after?: number };

  test('allow: OK with the decision id, tenant and request id as upstream headers; the body sets the reservation', async () => {
    const body = JSON.stringify({ model: 'ignored-when-the-header-names-one', max_tokens: 100, messages: [{ role: 'user', content: 'abcdefgh' }] });
    const res = await client.check(http('fresh', { body }, { 'x-request-id': 'req-allow-1' }), GATEWAY);
    assert.equal(res.status?.code, 0);
    assert.equal(res.http_response, 'ok_response');
    const h = headersOf(res);
    assert.match(h['x-spanledger-decision-id']!, /^[0-9a-f-]{36}$/);
    assert.deepEqual([h['x-spanledger-decision'], h['x-spanledger-tenant'], h['x-spanledger-request-id']], ['allow', 'fresh', 'req-allow-1']);
    // 2 prompt tokens (8 characters) at $0.001 and 100 output tokens at $0.002: $0.202 held.
    const budgets = (await decideState('fresh')).budget;
    assert.equal(budgets.reserved, '0.202');
    // The request id came from x-request-id, so the reservation is that request's.
    assert.equal(svc.service.policy.settle({ requestId: 'req-allow-1', tenantId: 'fresh', gatewayId: 'envoy' }), true);
  });

  test("without x-request-id, Envoy's own request id (attributes.request.http.id) names the request", async () => {
    const res = await client.check(http('fresh', { id: 'envoy-generated-9' }), GATEWAY);
    assert.equal(headersOf(res)['x-spanledger-request-id'], 'envoy-generated-9');
  });

  test('the model from the forwarded JSON body when no header names it', async () => {
    const res = await client.check(http('mini-only', { headers: { authorization: `Bearer ${tok('mini-only')}` }, body: '{"model":"gpt-4o-mini","max_tokens":1}' }), GATEWAY);
    assert.equal(res.http_response, 'ok_response');
    const denied = await client.check(http('mini-only', { headers: { authorization: `Bearer ${tok('mini-only')}` }, body: '{"model":"gpt-4o","max_tokens":1}' }), GATEWAY);
    assert.equal(denied.denied_response?.status?.code, 403);
  });

  test('warn: still OK, the decision header says warn', async () => {
    const res = await client.check(http('warned'), GATEWAY);
    assert.equal(res.status?.code, 0);
    assert.equal(headersOf(res)['x-spanledger-decision'], 'warn');
  });

  test('budget exceeded: denied 429 with retry-after and the OpenAI-shaped body of the JSON API', async () => {
    const res = await client.check(http('spent'), GATEWAY);
    assert.equal(res.http_response, 'denied_response');
    assert.equal(res.status?.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.equal(res.denied_response?.status?.code, 429);
    const h = headersOf(res);
    const b = deniedBody(res);
    assert.equal(b.reason, 'budget_exceeded');
    assert.equal(h['retry-after'], String(b.retry_after));
    assert.ok(Number(h['retry-after']) > 0);
    assert.equal(h['content-type'], 'application/json');
    assert.equal(b.error.type, 'budget_exceeded');
    assert.equal(b.error.code, '429');
    assert.match(b.error.message, /Budget exceeded for tenant spent: monthly budget \$1\.00 USD, spent \$1\.00/);
  });

  test('rate limited: the third call in a minute is denied 429 with retry-after', async () => {
    for (let i = 0; i < 2; i++) assert.equal((await client.check(http('limited'), GATEWAY)).http_response, 'ok_response');
    const res = await client.check(http('limited'), GATEWAY);
    assert.equal(res.denied_response?.status?.code, 429);
    assert.equal(deniedBody(res).reason, 'rate_limited');
    assert.ok(Number(headersOf(res)['retry-after']) >= 1);
  });

  test('model not allowed: denied 403, PERMISSION_DENIED', async () => {
    const res = await client.check(http('mini-only'), GATEWAY);
    assert.equal(res.denied_response?.status?.code, 403);
    assert.equal(res.status?.code, grpc.status.PERMISSION_DENIED);
    assert.equal(deniedBody(res).error.type, 'model_not_allowed');
  });

  test('model unpriced under a budget: denied 403 / model_unpriced', async () => {
    const res = await client.check(http('no-price', { body: '{"max_tokens":10}' }, { 'x-ai-eg-model': 'nobody-prices-this' }), GATEWAY);
    assert.equal(res.denied_response?.status?.code, 403);
    assert.equal(deniedBody(res).reason, 'model_unpriced');
  });

  test('unknown tenant: denied 401, UNAUTHENTICATED; the x-api-key header is not read unless configured', async () => {
    const res = await client.check(http('nobody'), GATEWAY);
    assert.equal(res.denied_response?.status?.code, 401);
    assert.equal(res.status?.code, grpc.status.UNAUTHENTICATED);
    assert.equal(deniedBody(res).reason, 'unknown_tenant');
    const noTenant = await client.check(http('fresh', { headers: { 'x-api-key': tok('fresh'), 'x-ai-eg-model': 'budget-model' } }), GATEWAY);
    assert.equal(noTenant.denied_response?.status?.code, 400);
    assert.equal(deniedBody(noTenant).reason, 'missing_metadata');
  });

  test('no model anywhere: denied 400 / missing_metadata', async () => {
    const res = await client.check(http('fresh', { headers: { authorization: `Bearer ${tok('fresh')}` } }), GATEWAY);
    assert.equal(res.denied_response?.status?.code, 400);
    assert.equal(res.status?.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(deniedBody(res).reason, 'missing_metadata');
  });

  test('a missing or unknown gateway credential, or a tenant application\'s token, fails the call UNAUTHENTICATED', async () => {
    for (const token of [undefined, 'tok-nobody', APP]) {
      await assert.rejects(client.check(http('fresh'), token), (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED && (token === undefined ? /missing gateway credentials/ : /unknown gateway credentials/).test(e.details));
    }
  });

  test('a malformed CheckRequest fails INVALID_ARGUMENT naming why, and the service answers the next Check', async () => {
    const raw = new grpc.Client(address, grpc.credentials.createInsecure());
    const send = (bytes: Buffer) =>
      new Promise<grpc.ServiceError>((resolve, reject) => {
        const md = new grpc.Metadata();
        md.set('authorization', `Bearer ${GATEWAY}`);
        raw.makeUnaryRequest('/envoy.service.auth.v3.Authorization/Check', (b: Buffer) => b, (b: Buffer) => b, bytes, md, (err) => (err ? resolve(err) : reject(new Error('accepted'))));
      });
    const garbage = await send(Buffer.from([0x0a, 0x7f, 0x22, 0x01]));
    assert.equal(garbage.code, grpc.status.INVALID_ARGUMENT);
    assert.match(garbage.details, /not a valid envoy\.service\.auth\.v3\.CheckRequest message/);
    const empty = await send(Buffer.alloc(0));
    assert.equal(empty.code, grpc.status.INVALID_ARGUMENT);
    assert.match(empty.details, /CheckRequest\.attributes\.request\.http is missing/);
    raw.close();
    assert.equal((await client.check(http('fresh'), GATEWAY)).http_response, 'ok_response');
  });

  test('a burst of 50 concurrent Checks on a nearly spent budget allows no more than it holds', async () => {
    // $0.10 left; each call holds 1 prompt token ($0.001) and 10 output tokens ($0.02): 4 fit, the 5th would pass $1.
    const body = JSON.stringify({ max_tokens: 10, messages: [{ role: 'user', content: 'abcd' }] });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => client.check(http('burst', { body }, { 'x-request-id': `burst-${i}` }), GATEWAY)));
    const allowed = results.filter((r) => r.http_response === 'ok_response');
    const denied = results.filter((r) => r.denied_response?.status?.code === 429);
    assert.equal(allowed.length, 4);
    assert.equal(denied.length, 46);
    const state = (await decideState('burst')).budget;
    assert.deepEqual([state.spent, state.reserved, state.remaining], ['0.90', '0.084', '0.016']);
  });

  /** The tenant's budget as the JSON API shows it (a decide that reserves nothing). */
  const decideState = async (tenant: string) => {
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/policy/decide`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY}` },
      body: JSON.stringify({ tenant_id: tenant, model: 'budget-model', reserve: false }),
    });
    return (await res.json()) as { budget: { spent: string; reserved: string; remaining: string } };
  };
});
