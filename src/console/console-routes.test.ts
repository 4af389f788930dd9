import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify, { type FastifyRequest } from 'fastify';
import { apiErrorHandler } from '../pipeline';
import { createAdminGuard } from '../service/admin-guard';
import { registerConsoleRoutes } from './console-routes';
import { createReadGuard, createWriteGuard } from './read-guard';
import { sessionIdOf } from './session-cookie';
import { createSessionStore } from './session-store';

const ADMIN = 'admin-token-for-console';
const VIEWER = 'viewer-token-for-console';

function app(maxFailuresPerMinute = 3) {
  const sessions = createSessionStore(60_000, 100);
  const a = Fastify();
  // The API app's one error handler, as the service installs it.
  a.setErrorHandler(apiErrorHandler({ error: () => undefined }));
  registerConsoleRoutes(a, { sessions, tokens: () => ({ admin: ADMIN, viewer: VIEWER }), sessionTtlS: 60, maxStalenessS: 30, secure: true, maxFailuresPerMinute });
  return { a, sessions };
}

test('sign-in answers a cookie for the viewer and the admin token, Secure on HTTPS, and nothing for others', async () => {
  const { a } = app();
  for (const [token, role] of [[VIEWER, 'viewer'], [ADMIN, 'admin']] as const) {
    const res = await a.inject({ method: 'POST', url: '/console/session', payload: { token } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().role, role);
    assert.equal(res.json().max_staleness_s, 30, 'the page is told the staleness it may accept');
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    const check = await a.inject({ method: 'GET', url: '/console/session', headers: { cookie } });
    assert.deepEqual(check.json(), { signed_in: true, role, max_staleness_s: 30 });
    assert.match(String(res.headers['set-cookie']), /^spanledger_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=60; HttpOnly; SameSite=Strict; Secure$/);
  }
  const bad = await a.inject({ method: 'POST', url: '/console/session', payload: { token: 'guess' } });
  assert.equal(bad.statusCode, 401);
  assert.equal(bad.headers['set-cookie'], undefined);
  const notString = await a.inject({ method: 'POST', url: '/console/session', payload: { token: 42 } });
  assert.equal(notString.statusCode, 400);
  assert.match(notString.json().error, /^token: /);
});

test('failed sign-ins past the limit get 429 with Retry-After, even with the right credential then', async () => {
  const { a } = app(3);
  for (let i = 0; i < 3; i++) assert.equal((await a.inject({ method: 'POST', url: '/console/session', payload: { token: `guess-${i}` } })).statusCode, 401);
  const limited = await a.inject({ method: 'POST', url: '/console/session', payload: { token: VIEWER } });
  assert.equal(limited.statusCode, 429);
  assert.ok(Number(limited.headers['retry-after']) >= 1);
});

test('the console is off when neither credential is configured', async () => {
  const a = Fastify();
  // The API app's one error handler, as the service installs it.
  a.setErrorHandler(apiErrorHandler({ error: () => undefined }));
  registerConsoleRoutes(a, { sessions: createSessionStore(60_000, 10), tokens: () => ({}), sessionTtlS: 60, maxStalenessS: 30, secure: false });
  const res = await a.inject({ method: 'POST', url: '/console/session', payload: { token: 'anything' } });
  assert.equal(res.statusCode, 403);
  assert.match(res.json().error, /--viewer-token or --admin-token/);
});

test('sessions expire after their TTL, are bounded in number, and end on sign-out', async () => {
  const store = createSessionStore(1000, 2);
  const first = store.create('viewer', 0);
  assert.equal(store.check(first, 999), 'viewer');
  assert.equal(store.check(first, 1000), undefined, 'expired');
  const a = store.create('viewer', 0);
  const b = store.create('admin', 0);
  const c = store.create('viewer', 0);
  assert.equal(store.size, 2);
  assert.equal(store.check(a, 1), undefined, 'the oldest was dropped');
  assert.equal(store.check(b, 1), 'admin');
  store.revoke(c);
  assert.equal(store.check(c, 1), undefined);
});

test('a cookie header yields the session id only in its exact form', () => {
  const id = 'A'.repeat(43);
  assert.equal(sessionIdOf(`x=1; spanledger_session=${id}; y=2`), id);
  assert.equal(sessionIdOf(`spanledger_session=${id}x`), undefined);
  assert.equal(sessionIdOf('spanledger_session=../../etc'), undefined);
  assert.equal(sessionIdOf(undefined), undefined);
});

test('the read guard: the cookie reads by GET only, the viewer credential reads only, the admin token does all', () => {
  const sessions = createSessionStore(60_000, 10);
  const id = sessions.create('viewer');
  const guard = createReadGuard({ admin: createAdminGuard(ADMIN), viewer: createAdminGuard(VIEWER), sessions });
  const req = (method: string, url: string, headers: Record<string, string>) => ({ method, url, headers }) as unknown as FastifyRequest;
  const cookie = { cookie: `spanledger_session=${id}` };
  const viewer = { authorization: `Bearer ${VIEWER}` };
  const admin = { authorization: `Bearer ${ADMIN}` };
  assert.equal(guard(req('GET', '/v1/reports/chargeback', cookie)), 'ok');
  assert.equal(guard(req('GET', '/clickhouse?query=SELECT+1', cookie)), 'ok');
  // A valid read-only credential on a write is told it is read-only, not that it is missing.
  assert.equal(guard(req('POST', '/clickhouse', cookie)), 'read_only');
  assert.equal(guard(req('POST', '/v1/reports/invoices', cookie)), 'read_only');
  assert.equal(guard(req('POST', '/v1/reports/invoices', { cookie: 'spanledger_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })), 'denied');
  assert.equal(guard(req('GET', '/v1/reports/quality', viewer)), 'ok');
  assert.equal(guard(req('POST', '/clickhouse', viewer)), 'ok', 'every /clickhouse statement is read-only');
  assert.equal(guard(req('POST', '/v1/reports/invoices', viewer)), 'read_only');
  assert.equal(guard(req('POST', '/v1/reports/invoices', admin)), 'ok');
  // The admin API's guard: the admin token alone, whatever the method.
  const write = createWriteGuard({ admin: createAdminGuard(ADMIN), viewer: createAdminGuard(VIEWER), sessions });
  assert.equal(write(req('GET', '/v1/admin/dead-letters', viewer)), 'read_only');
  assert.equal(write(req('GET', '/v1/admin/dead-letters', cookie)), 'read_only');
  assert.equal(write(req('GET', '/v1/admin/dead-letters', { authorization: 'Bearer nope' })), 'denied');
  assert.equal(write(req('POST', '/v1/admin/prices/reprice', admin)), 'ok');
  assert.equal(guard(req('GET', '/v1/reports/quality', {})), 'denied');
  const none = createReadGuard({ admin: createAdminGuard(undefined), viewer: createAdminGuard(undefined), sessions });
  assert.equal(none(req('GET', '/v1/reports/quality', cookie)), 'disabled');
});
