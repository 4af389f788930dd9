import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { ADMIN_TOKEN, startTestService, type TestService } from './helpers/test-service';

describe('read-only SQL over the ClickHouse HTTP interface at /clickhouse', () => {
  let svc: TestService;
  let base: string;
  before(async () => {
    svc = await startTestService();
    base = `http://127.0.0.1:${svc.service.ports.api}/clickhouse`;
  });
  after(async () => {
    await svc.stop();
  });

  test('the real @clickhouse/client reads the ledger schema with bound parameters', async () => {
    const rows = await svc.rows<{ name: string; type: string }>(
      'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String} AND name IN {names:Array(String)} ORDER BY name',
      { db: svc.cfg.ledger.database, t: 'llm_calls', names: ['cost_nano_usd', 'timestamp', 'input_tokens'] },
    );
    assert.deepEqual(rows, [
      { name: 'cost_nano_usd', type: 'Nullable(Int64)' },
      { name: 'input_tokens', type: 'Nullable(UInt64)' },
      { name: 'timestamp', type: "DateTime64(9, 'UTC')" },
    ]);
    assert.equal((await svc.sql.ping()).success, true);
  });

  test('unqualified table names resolve in the ledger database', async () => {
    assert.deepEqual(await svc.rows('SELECT count() AS n FROM llm_calls'), [{ n: 0 }]);
  });

  test('without the admin token the client gets AUTHENTICATION_FAILED', async () => {
    const anon = createClient({ url: `http://127.0.0.1:${svc.service.ports.api}`, pathname: '/clickhouse', password: 'wrong-token', log: { level: ClickHouseLogLevel.OFF } });
    await assert.rejects(anon.query({ query: 'SELECT 1' }), (err: Error & { code?: string; type?: string }) => {
      assert.equal(err.type, 'AUTHENTICATION_FAILED');
      return true;
    });
    await anon.close();
    const res = await fetch(`${base}/?query=SELECT%201`);
    assert.equal(res.status, 401);
  });

  test('a Bearer token works too, and the default format is TabSeparated', async () => {
    const res = await fetch(base, { method: 'POST', body: 'SELECT 1, \'a\'', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '1\ta\n');
    const csv = await fetch(`${base}?default_format=CSV&query=SELECT%202`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(await csv.text(), '2\n');
  });

  test('writes and DDL are refused, and the tables survive', async () => {
    await assert.rejects(svc.sql.command({ query: 'DROP TABLE llm_calls' }), (err: Error & { type?: string }) => err.type === 'READONLY');
    await assert.rejects(svc.sql.command({ query: "INSERT INTO spans (name) VALUES ('x')" }), (err: Error & { type?: string }) => err.type === 'READONLY');
    assert.deepEqual(await svc.rows("SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name IN ('llm_calls', 'spans')", { db: svc.cfg.ledger.database }), [{ n: 2 }]);
  });

  test('readonly is enforced by the engine, not only by the statement check', async () => {
    // A read statement that tries to lift readonly passes the statement check; the engine refuses.
    await assert.rejects(svc.sql.query({ query: 'SELECT 1 SETTINGS readonly = 0' }), (err: Error & { type?: string }) => err.type === 'READONLY');
    assert.deepEqual(await svc.rows("SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = 'spans'", { db: svc.cfg.ledger.database }), [{ n: 1 }]);
  });

  test('one statement per request, as on the ClickHouse HTTP interface', async () => {
    await assert.rejects(svc.sql.command({ query: 'SELECT 1; DROP TABLE spans' }), (err: Error & { type?: string }) => err.type === 'SYNTAX_ERROR');
    assert.deepEqual(await svc.rows("SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = 'spans'", { db: svc.cfg.ledger.database }), [{ n: 1 }]);
  });

  test('health and readiness answer on the API port', async () => {
    const api = `http://127.0.0.1:${svc.service.ports.api}`;
    assert.deepEqual(await (await fetch(`${api}/healthz`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${api}/readyz`)).json(), { status: 'ready', storage: 'embedded' });
  });

  test('without an admin token configured the endpoint is off', async () => {
    const open = await startTestService({ adminToken: undefined });
    try {
      const res = await fetch(`http://127.0.0.1:${open.service.ports.api}/clickhouse?query=SELECT%201`);
      assert.equal(res.status, 403);
      assert.match(await res.text(), /disabled: start spanledger with --admin-token/);
    } finally {
      await open.stop();
    }
  });
});
