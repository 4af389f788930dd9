import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { hashToken } from '../src/ownership';
import { startNginx, type RunningNginx } from './helpers/nginx';
import { providerWith } from './helpers/otel';
import { startTestService, type TestService } from './helpers/test-service';

const GATEWAY = 'tok-nginx-gateway';
// budget-model: $0.001 per input token, $0.002 per output token; each stubbed call uses 100
// and 50, so costs exactly $0.20: four calls reach $0.80 of a $1.00 budget (the 80% warning).
const PRICES = `overrides:
  - { id: budget-model, provider: "*", model: budget-model, rates: { input: "1000", output: "2000" } }
`;
const REGISTRY = `
tenants:
  - { id: via-auth-request, team: a, app: a, tokens: ["${hashToken('sk-auth-request')}"], budget: { amount: "1.00" } }
  - { id: via-njs, team: b, app: b, tokens: ["${hashToken('sk-njs')}"], budget: { amount: "1.00" } }
senders:
  - { id: nginx, token: "${hashToken(GATEWAY)}", gateway: true }
`;

interface StubCall {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * An OpenAI-compatible stub upstream. Each call is reported as a span (the real OTel SDK,
 * OTLP/HTTP protobuf, as the gateway's sender) naming the tenant and request id nginx
 * passed on, acknowledged before the stub answers.
 */
async function startStub(provider: NodeTracerProvider): Promise<{ address: string; calls: StubCall[]; close(): Promise<void> }> {
  const calls: StubCall[] = [];
  const tracer = provider.getTracer('openai-stub');
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      calls.push({ headers: req.headers, body });
      const span = tracer.startSpan('chat budget-model', {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'budget-model',
          'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 50,
          'spanledger.request_id': String(req.headers['x-request-id'] ?? ''), 'spanledger.tenant.id': String(req.headers['x-spanledger-tenant'] ?? ''),
        },
      });
      span.end();
      void provider.forceFlush().then(() =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
          id: `chatcmpl-${calls.length}`, object: 'chat.completion', created: 0, model: 'budget-model',
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
        })),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { address: `127.0.0.1:${(server.address() as { port: number }).port}`, calls, close: () => new Promise((r) => server.close(() => r())) };
}

describe('nginx (Debian\'s, real) in front of an OpenAI-compatible stub, asking spanledger before each call', () => {
  let svc: TestService;
  let provider: NodeTracerProvider;
  let stub: Awaited<ReturnType<typeof startStub>>;
  const nginx: RunningNginx[] = [];

  before(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-nginx-test-'));
    writeFileSync(path.join(dir, 'registry.yaml'), REGISTRY);
    writeFileSync(path.join(dir, 'prices.yaml'), PRICES);
    svc = await startTestService({
      ownership: { registry: path.join(dir, 'registry.yaml'), allowUnauthenticated: false },
      pricing: { prices: path.join(dir, 'prices.yaml') },
      policy: { refreshMs: 60_000 },
    });
    provider = providerWith(new OTLPTraceExporter({ url: `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, headers: { authorization: `Bearer ${GATEWAY}` } }), 'nginx-gateway');
    stub = await startStub(provider);
  });
  after(async () => {
    for (const n of nginx) await n.stop();
    await stub?.close();
    await provider?.shutdown();
    await svc?.stop();
  });

  /** Six calls of $0.20 against $1.00: four allowed, the fifth warned (spend at 80%), the sixth denied (at 100%). */
  const walkTheBudget = async (tenant: string, send: (i: number) => Promise<Response>) => {
    const seen: { status: number; decision: string | null; body: any; retryAfter: string | null }[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await send(i);
      seen.push({ status: res.status, decision: res.headers.get('x-spanledger-decision'), body: await res.json(), retryAfter: res.headers.get('retry-after') });
    }
    assert.deepEqual(seen.map((s) => [s.status, s.decision]), [[200, 'allow'], [200, 'allow'], [200, 'allow'], [200, 'allow'], [200, 'warn'], [429, null]]);
    for (const s of seen.slice(0, 5)) assert.equal(s.body.object, 'chat.completion');
    const denied = seen[5]!;
    assert.equal(denied.body.error.type, 'budget_exceeded');
    assert.equal(denied.body.error.code, '429');
    assert.equal(denied.body.error.param, null);
    assert.match(denied.body.error.message, new RegExp(`^Budget exceeded for tenant ${tenant}: monthly budget \\$1\\.00 USD, spent \\$1\\.00`));
    assert.ok(Number(denied.retryAfter) > 0, `retry-after ${denied.retryAfter}`);
    // Every call the stub saw reached the ledger with its request id and the decision that let it through.
    const calls = stub.calls.filter((c) => c.headers['x-spanledger-tenant'] === tenant);
    assert.equal(calls.length, 5);
    const rows = await svc.rows<{ request_id: string; policy_decision_id: string; policy_outcome: string; cost: string }>(
      'SELECT request_id, policy_decision_id, policy_outcome, toString(cost_nano_usd) AS cost FROM llm_calls WHERE tenant = {t:String} ORDER BY timestamp',
      { t: tenant },
    );
    assert.deepEqual(
      rows.map((r) => [r.request_id, r.policy_decision_id, r.policy_outcome, r.cost]),
      calls.map((c, i) => [c.headers['x-request-id'], c.headers['x-spanledger-decision-id'], i < 4 ? 'allow' : 'warn', '200000000']),
    );
    return calls;
  };

  test('auth_request (deploy/nginx/auth-request.conf): the model from a header; 80% warns, 100% denies with 429 and the OpenAI-shaped body', async () => {
    const n = await startNginx({ site: 'auth-request.conf', spanledger: `127.0.0.1:${svc.service.ports.api}`, llm: stub.address, gatewayToken: GATEWAY });
    nginx.push(n);
    const calls = await walkTheBudget('via-auth-request', () =>
      fetch(`http://127.0.0.1:${n.port}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-auth-request', 'x-model': 'budget-model', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'budget-model', messages: [{ role: 'user', content: 'hi' }] }),
      }),
    );
    // nginx's own $request_id (32 hex digits) named each call; the body went on to the upstream intact.
    for (const c of calls) assert.match(String(c.headers['x-request-id']), /^[0-9a-f]{32}$/);
    assert.deepEqual(JSON.parse(calls[0]!.body).messages, [{ role: 'user', content: 'hi' }]);
    // A tenant nobody knows: 401 from the subrequest, OpenAI-shaped.
    const unknown = await fetch(`http://127.0.0.1:${n.port}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-nobody', 'x-model': 'budget-model' }, body: '{}' });
    assert.equal(unknown.status, 401);
    assert.equal(((await unknown.json()) as any).error.type, 'unknown_tenant');
  });

  test('njs (deploy/nginx/njs.conf + spanledger.js): model and max_tokens from the body, reserved and settled by the span', async () => {
    const n = await startNginx({ site: 'njs.conf', spanledger: `127.0.0.1:${svc.service.ports.api}`, llm: stub.address, gatewayToken: GATEWAY, js: true });
    nginx.push(n);
    await walkTheBudget('via-njs', (i) =>
      fetch(`http://127.0.0.1:${n.port}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-njs', 'content-type': 'application/json', 'x-request-id': `njs-call-${i}` },
        body: JSON.stringify({ model: 'budget-model', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] }),
      }),
    );
    // Each span closed its call's reservation ($0.003: 1 prompt token, 1 output token); the deny held nothing.
    const state = await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/policy/decide`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY}` },
      body: JSON.stringify({ tenant_id: 'via-njs', model: 'budget-model', reserve: false }),
    });
    const b = ((await state.json()) as { budget: { spent: string; reserved: string } }).budget;
    assert.deepEqual([b.spent, b.reserved], ['1.00', '0.00']);
    // A model the body does not name: 400 missing_metadata, answered by njs from spanledger's error.
    const noModel = await fetch(`http://127.0.0.1:${n.port}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-njs' }, body: '{"messages":[]}' });
    assert.equal(noModel.status, 400);
    assert.equal(((await noModel.json()) as any).error.type, 'missing_metadata');
  });
});
