import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../src/ownership';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { startTestService, type TestService } from './helpers/test-service';

const GATEWAY = 'tok-edge-gateway';
const PRICES = `overrides:
  - { id: budget-model, provider: "*", model: budget-model, rates: { input: "1000", output: "2000" } }
`;
const REGISTRY = `
tenants:
  - { id: edge, team: a, app: a, tokens: ["${hashToken('sk-edge')}"], budget: { amount: "10" } }
  - { id: edge-spent, team: b, app: b, tokens: ["${hashToken('sk-edge-spent')}"], budget: { amount: "1" } }
  - { id: lite, team: c, app: c, tokens: ["${hashToken('sk-lite')}"], budget: { amount: "10" }, allowedModels: ["budget-model"] }
  - { id: lite-spent, team: d, app: d, tokens: ["${hashToken('sk-lite-spent')}"], budget: { amount: "1" } }
  - { id: pk, team: e, app: e, tokens: ["${hashToken('sk-pk')}"], budget: { amount: "10" }, allowedModels: ["budget-model"] }
senders:
  - { id: edge-gateway, token: "${hashToken(GATEWAY)}", gateway: true }
  - { id: edge-spent-app, token: "${hashToken('app-edge-spent')}", tenant: edge-spent }
  - { id: lite-spent-app, token: "${hashToken('app-lite-spent')}", tenant: lite-spent }
`;

describe('gateways that ask with configuration alone: ext_authz HTTP (Envoy, Traefik, APISIX), Portkey, LiteLLM', () => {
  let svc: TestService;
  let api: string;

  before(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-gateways-'));
    writeFileSync(path.join(dir, 'registry.yaml'), REGISTRY);
    writeFileSync(path.join(dir, 'prices.yaml'), PRICES);
    svc = await startTestService({
      ownership: { registry: path.join(dir, 'registry.yaml'), allowUnauthenticated: false },
      pricing: { prices: path.join(dir, 'prices.yaml') },
      policy: { refreshMs: 60_000 },
    });
    api = `http://127.0.0.1:${svc.service.ports.api}`;
    for (const t of ['edge-spent', 'lite-spent']) {
      const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer app-${t}` },
        body: encodeRequest([{ traceId: newTraceId(), spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.provider.name': 'acme', 'gen_ai.request.model': 'budget-model', 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 0 } }]),
      });
      assert.equal(res.status, 200);
    }
  });
  after(async () => svc?.stop());

  const budget = async (tenant: string) => {
    const res = await fetch(`${api}/v1/policy/decide`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY}` }, body: JSON.stringify({ tenant_id: tenant, model: 'budget-model', reserve: false }) });
    return ((await res.json()) as { budget: { spent: string; reserved: string } }).budget;
  };

  test('Envoy HTTP mode: the original path after /v1/ext-authz, headers and body forwarded; 200 with upstream headers', async () => {
    const res = await fetch(`${api}/v1/ext-authz/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-spanledger-gateway': `Bearer ${GATEWAY}`, authorization: 'Bearer sk-edge', 'content-type': 'application/json', 'x-request-id': 'edge-1' },
      body: JSON.stringify({ model: 'budget-model', max_tokens: 50, messages: [{ role: 'user', content: 'abcd' }] }),
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
    assert.equal(res.headers.get('x-spanledger-decision'), 'allow');
    assert.equal(res.headers.get('x-spanledger-tenant'), 'edge');
    assert.equal(res.headers.get('x-spanledger-request-id'), 'edge-1');
    assert.match(res.headers.get('x-spanledger-decision-id')!, /^[0-9a-f-]{36}$/);
    assert.equal((await budget('edge')).reserved, '0.101');
  });

  test('Traefik ForwardAuth / APISIX forward-auth: a GET on the prefix itself with the client headers, no body; the model from its header', async () => {
    const res = await fetch(`${api}/v1/ext-authz`, { headers: { 'x-spanledger-gateway': `Bearer ${GATEWAY}`, authorization: 'Bearer sk-edge', 'x-ai-eg-model': 'budget-model', 'x-forwarded-uri': '/v1/chat/completions', 'x-forwarded-method': 'POST' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-spanledger-decision'), 'allow');
  });

  test('a deny over HTTP: the reason\'s status, retry-after and the OpenAI-shaped body; with x-spanledger-deny-as, 403 and the real status in headers', async () => {
    const ask = { 'x-spanledger-gateway': `Bearer ${GATEWAY}`, authorization: 'Bearer sk-edge-spent', 'x-ai-eg-model': 'budget-model' };
    const res = await fetch(`${api}/v1/ext-authz/v1/chat/completions`, { method: 'POST', headers: ask });
    assert.equal(res.status, 429);
    const body = (await res.json()) as { reason: string; retry_after: number; error: { type: string; code: string } };
    assert.equal(res.headers.get('retry-after'), String(body.retry_after));
    assert.deepEqual([body.reason, body.error.type, body.error.code], ['budget_exceeded', 'budget_exceeded', '429']);
    const asNginx = await fetch(`${api}/v1/ext-authz/v1/chat/completions`, { method: 'POST', headers: { ...ask, 'x-spanledger-deny-as': '403' } });
    assert.equal(asNginx.status, 403);
    assert.equal(asNginx.headers.get('x-spanledger-status'), '429');
    assert.equal(JSON.parse(asNginx.headers.get('x-spanledger-error')!).error.code, '429');
    const unknown = await fetch(`${api}/v1/ext-authz/x`, { method: 'POST', headers: { ...ask, authorization: 'Bearer sk-nobody' } });
    assert.equal(unknown.status, 401);
  });

  test('HTTP mode without the gateway header, or with a tenant token in it, is 401', async () => {
    const none = await fetch(`${api}/v1/ext-authz/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${GATEWAY}`, 'x-ai-eg-model': 'budget-model' } });
    assert.equal(none.status, 401);
    assert.match(((await none.json()) as any).error.message, /missing gateway credentials: send x-spanledger-gateway: Bearer/);
    const wrong = await fetch(`${api}/v1/ext-authz`, { headers: { 'x-spanledger-gateway': 'Bearer sk-edge' } });
    assert.equal(wrong.status, 401);
  });

  const portkey = (body: unknown, token = GATEWAY) =>
    fetch(`${api}/v1/portkey/guardrail`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  // The hook context Portkey's gateway posts (request json and text, response, provider, metadata, eventType).
  const context = (metadata: Record<string, string>, model = 'budget-model') => ({
    request: { json: { model, max_tokens: 10, messages: [{ role: 'user', content: 'abcdefgh' }] }, text: 'abcdefgh', isStreamingRequest: false },
    response: { json: {}, text: '', statusCode: null },
    provider: 'openai',
    requestType: 'chatComplete',
    metadata,
    eventType: 'beforeRequestHook',
  });

  test('Portkey webhook guardrail: verdict true with the decision; false with the OpenAI error on deny; after the request always true', async () => {
    const ok = await portkey(context({ tenant_token: 'sk-pk', request_id: 'pk-1' }));
    assert.equal(ok.status, 200);
    const okBody = (await ok.json()) as { verdict: boolean; data: { decision: string; tenant: string; reservation: { amount: string } } };
    assert.equal(okBody.verdict, true);
    assert.deepEqual([okBody.data.decision, okBody.data.tenant, okBody.data.reservation.amount], ['allow', 'pk', '0.022']);
    const denied = (await (await portkey(context({ tenant: 'pk' }, 'gpt-4o'))).json()) as { verdict: boolean; data: { error: { type: string; code: string } } };
    assert.equal(denied.verdict, false);
    assert.deepEqual([denied.data.error.type, denied.data.error.code], ['model_not_allowed', '403']);
    const afterHook = (await (await portkey({ ...context({ tenant: 'pk' }, 'gpt-4o'), eventType: 'afterRequestHook', response: { json: { usage: {} }, text: 'ok', statusCode: 200 } })).json()) as { verdict: boolean };
    assert.equal(afterHook.verdict, true);
  });

  test('Portkey: a body that is not the hook context is 400 naming the field; no gateway token is 401', async () => {
    const bad = await portkey({ request: { text: 'hi' }, eventType: 'beforeRequestHook' });
    assert.equal(bad.status, 400);
    const b = (await bad.json()) as { error: { param: string; message: string } };
    assert.equal(b.error.param, 'request.json');
    assert.match(b.error.message, /^request\.json: /);
    assert.equal((await portkey(context({ tenant: 'pk' }), '')).status, 401);
  });

  test('the LiteLLM hook (deploy/litellm/spanledger_budget.py) against this service, with the machine\'s python3', async () => {
    const script = path.resolve(__dirname, '..', '..', 'deploy', 'litellm', 'test_spanledger_budget.py');
    const { code, out } = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile('python3', [script], { env: { ...process.env, SPANLEDGER_URL: api, SPANLEDGER_GATEWAY_TOKEN: GATEWAY }, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
      ),
    );
    assert.equal(code, 0, out);
    assert.match(out, /Ran 7 tests/);
    assert.match(out, /\nOK\s*$/);
  });
});
