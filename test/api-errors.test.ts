import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { killAll, runCli } from './helpers/cli-process';
import { ADMIN_TOKEN, startTestService, type TestService } from './helpers/test-service';

after(killAll);

type Refusal = { error?: unknown; code?: unknown };
const VIEWER = 'viewer-reads-only';

// spanledger's own HTTP APIs answer every refusal with `{error, code}` from one catalogue;
// the policy keeps the OpenAI error shape and /clickhouse ClickHouse's (protocols).
describe('one error catalogue for the API: coded refusals, one handler, the access check as a hook', () => {
  let svc: TestService;
  let off: TestService;
  const url = (s: TestService, p: string) => `http://127.0.0.1:${s.service.ports.api}${p}`;
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const refusal = async (res: Response) => ({ status: res.status, body: (await res.json()) as Refusal });

  before(async () => {
    svc = await startTestService({ console: { viewerToken: VIEWER } });
    off = await startTestService({ adminToken: undefined });
  });
  after(async () => {
    await svc.stop();
    await off.stop();
  });

  test('no credential: 401 SPANLEDGER_UNAUTHORIZED on every guarded route, before its own checks run', async () => {
    for (const [method, p] of [['GET', '/v1/reports/chargeback'], ['GET', '/v1/reports/focus?focus_version=9'], ['GET', '/v1/traces/nothex/cost'], ['GET', '/v1/sessions/s/cost'], ['POST', '/v1/reports/invoices'], ['POST', '/v1/admin/prices/reprice'], ['GET', '/v1/admin/dead-letters']] as const) {
      const { status, body } = await refusal(await fetch(url(svc, p), { method }));
      assert.deepEqual([p, status, body.code], [p, 401, 'SPANLEDGER_UNAUTHORIZED']);
      assert.match(String(body.error), /^(report|admin) endpoints need the admin token( or the viewer credential)? \(Authorization: Bearer\)$/, p);
    }
  });

  test('the viewer credential on a route that changes something: 403 SPANLEDGER_READ_ONLY, and the CLI says which token it needs', async () => {
    for (const [method, p] of [['POST', '/v1/reports/invoices'], ['POST', '/v1/admin/prices/reprice'], ['GET', '/v1/admin/dead-letters'], ['POST', '/v1/admin/dead-letters/replay']] as const) {
      const { status, body } = await refusal(await fetch(url(svc, p), { method, headers: { authorization: `Bearer ${VIEWER}` } }));
      assert.deepEqual([p, status, body.code], [p, 403, 'SPANLEDGER_READ_ONLY']);
      assert.match(String(body.error), /read-only/);
    }
    const cli = await runCli(['prices', 'reprice', '--from', '2026-01-01', '--to', '2026-01-02', '--api-port', String(svc.service.ports.api), '--admin-token', VIEWER]);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /HTTP 403 .*read-only.*\(this needs the admin token, not the viewer credential/);
  });

  test('an unknown route: 404 SPANLEDGER_NOT_FOUND naming it, in the catalogue\'s shape', async () => {
    const { status, body } = await refusal(await fetch(url(svc, '/v1/reports/nosuch'), { headers: admin }));
    assert.deepEqual([status, body.code], [404, 'SPANLEDGER_NOT_FOUND']);
    assert.match(String(body.error), /^no route GET \/v1\/reports\/nosuch/);
  });

  test('a wrong credential is called not valid, not missing', async () => {
    for (const p of ['/v1/reports/chargeback', '/v1/admin/dead-letters']) {
      const { status, body } = await refusal(await fetch(url(svc, p), { headers: { authorization: 'Bearer not-the-token' } }));
      assert.deepEqual([p, status, body.code], [p, 401, 'SPANLEDGER_UNAUTHORIZED']);
      assert.match(String(body.error), /^the credential presented is not valid: /, p);
    }
  });

  test('no admin token configured: 403 SPANLEDGER_DISABLED naming the flag', async () => {
    for (const p of ['/v1/reports/audit', '/v1/admin/dead-letters', '/v1/traces/0af7651916cd43dd8448eb211c80319c/cost']) {
      const { status, body } = await refusal(await fetch(url(off, p), { headers: admin }));
      assert.deepEqual([p, status, body.code], [p, 403, 'SPANLEDGER_DISABLED']);
      assert.match(String(body.error), /disabled: start spanledger with --admin-token/);
    }
  });

  test('bad parameters and bodies: 400 SPANLEDGER_INVALID_REQUEST naming the field; nothing stored: 404 SPANLEDGER_NOT_FOUND', async () => {
    const cases: [string, RequestInit, number, string, RegExp][] = [
      ['/v1/reports/chargeback?period=2026-13', {}, 400, 'SPANLEDGER_INVALID_REQUEST', /period/],
      ['/v1/reports/chargeback?group_by=planet', {}, 400, 'SPANLEDGER_INVALID_REQUEST', /group_by: unknown dimension 'planet'/],
      ['/v1/traces/xyz/cost', {}, 400, 'SPANLEDGER_INVALID_REQUEST', /trace_id must be 32 hex characters/],
      ['/v1/traces/0af7651916cd43dd8448eb211c80319c/cost', {}, 404, 'SPANLEDGER_NOT_FOUND', /no spans of trace 0af7651916cd43dd8448eb211c80319c/],
      ['/v1/sessions/s/cost?from=yesterday', {}, 400, 'SPANLEDGER_INVALID_REQUEST', /from and to must be ISO dates/],
      ['/v1/reports/invoices', { method: 'POST', body: ' ', headers: { 'content-type': 'text/plain' } }, 400, 'SPANLEDGER_INVALID_REQUEST', /send the invoice export/],
      ['/v1/admin/prices/reprice', { method: 'POST', body: '{"from":"2026-01-02","to":"2026-01-01"}', headers: { 'content-type': 'application/json' } }, 400, 'SPANLEDGER_INVALID_REQUEST', /^to: to must be after from$/],
      ['/v1/admin/prices/reprice', { method: 'POST', body: '{"from":', headers: { 'content-type': 'application/json' } }, 400, 'FST_ERR_CTP_INVALID_JSON_BODY', /not valid JSON/],
    ];
    for (const [p, init, status, code, message] of cases) {
      const got = await refusal(await fetch(url(svc, p), { ...init, headers: { ...admin, ...(init.headers as Record<string, string> | undefined) } }));
      assert.deepEqual([p, got.status, got.body.code], [p, status, code]);
      assert.match(String(got.body.error), message, p);
    }
  });

  test('the policy keeps the OpenAI error shape, even for a body fastify cannot parse', async () => {
    const res = await fetch(url(svc, '/v1/policy/decide'), { method: 'POST', body: '{"model":', headers: { 'content-type': 'application/json', authorization: 'Bearer x' } });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { message: string; type: string; code: string } };
    assert.equal(body.error.code, '400');
    assert.equal(body.error.type, 'invalid_request');
    assert.match(body.error.message, /JSON/);
  });

  test('the CLI reads the code and says what to do', async () => {
    const noToken = await runCli(['report', 'chargeback', '--api-port', String(svc.service.ports.api)]);
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /HTTP 401 from http:\/\/127\.0\.0\.1:\d+\/v1\/reports\/chargeback: report endpoints need .*\(pass the service's admin token with --admin-token or SPANLEDGER_ADMIN_TOKEN\)/);
    const disabled = await runCli(['prices', 'reprice', '--from', '2026-01-01', '--to', '2026-01-02', '--api-port', String(off.service.ports.api), '--admin-token', ADMIN_TOKEN]);
    assert.equal(disabled.code, 1);
    assert.match(disabled.stderr, /HTTP 403 .*restart it with --admin-token/);
  });
});
