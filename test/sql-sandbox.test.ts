import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ADMIN_TOKEN, startTestService, type TestService } from './helpers/test-service';

// A caller holding the admin token, as a hostile one would use it: every statement below
// was either answered 200 by the old endpoint with a side effect, or let a second
// statement through. Each must now be refused (or bounded) with nothing written, nothing
// fetched, no state changed, and the next valid query must still work.

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

describe('the /clickhouse sandbox against a hostile caller', () => {
  let svc: TestService;
  let other: TestService;
  let base: string;
  let hits = 0;
  let web: Server;
  let webUrl: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-sandbox-'));
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

  before(async () => {
    web = createServer((_req, res) => {
      hits++;
      res.end('a\n1\n');
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    svc = await startTestService({ ledger: { sql: { maxExecutionTimeS: 3, maxMemoryUsageBytes: 256 * 1024 * 1024, maxResultRows: 100_000, maxQueryBytes: 64 * 1024 } } });
    other = await startTestService();
    base = `http://127.0.0.1:${svc.service.ports.api}/clickhouse`;
  });
  after(async () => {
    await svc.stop();
    await other.stop();
    await new Promise((r) => web.close(r));
  });

  const send = async (sql: string, params: Record<string, string> = {}, init: RequestInit = {}): Promise<Answer> => {
    const res = await fetch(`${base}/?${new URLSearchParams(params)}`, { method: 'POST', body: sql, ...init, headers: { ...auth, ...(init.headers as object) } });
    return { status: res.status, text: await res.text(), headers: res.headers };
  };
  /** The endpoint still answers, in the ledger database, with the server's caps. */
  const stillWorks = async () => {
    const ok = await send("SELECT currentDatabase(), getSetting('max_execution_time'), getSetting('readonly'), count() FROM llm_calls");
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.text, `${svc.cfg.ledger.database}\t3\t2\t0\n`);
  };
  const refused = async (sql: string, status: number, type: RegExp, params: Record<string, string> = {}) => {
    const a = await send(sql, params);
    assert.equal(a.status, status, `${sql}\n${a.text}`);
    assert.match(a.text, /^Code: \d+\. DB::Exception: .+\. \(\w+\)\n$/, a.text);
    assert.match(a.text, type, `${sql}\n${a.text}`);
    return a;
  };

  test('INTO OUTFILE is refused in every form, and no file is written', async () => {
    const file = path.join(dir, 'out.txt');
    const q = `'${file}'`;
    for (const sql of [
      `SELECT 'x' INTO OUTFILE ${q} TRUNCATE FORMAT TSVRaw`,
      `SELECT 'x' INTO OUTFILE ${q}`,
      `SELECT 'x' INTO OUTFILE ${q} APPEND`,
      `SELECT 'x' INTO OUTFILE ${q} AND STDOUT`,
      `SELECT 'x' INTO OUTFILE ${q} COMPRESSION 'gzip' LEVEL 3`,
      `SELECT 'x' /* c */ INTO -- c\n OUTFILE ${q}`,
      `SELECT $$x$$ INTO OUTFILE $$${file}$$`,
      `WITH 1 AS a SELECT a INTO OUTFILE ${q}`,
      `SELECT 1 UNION ALL SELECT 2 INTO OUTFILE ${q}`,
      `EXPLAIN SELECT 1 INTO OUTFILE ${q}`,
      `SHOW TABLES INTO OUTFILE ${q}`,
      `DESCRIBE TABLE llm_calls INTO OUTFILE ${q}`,
    ]) {
      await refused(sql, 403, /INTO OUTFILE is not allowed here|\(READONLY\)/);
      assert.equal(existsSync(file), false, `${sql} wrote ${file}`);
    }
    await stillWorks();
  });

  test('file, url, s3, remote, executable: refused in SELECT, DESCRIBE and EXPLAIN, and nothing is fetched', async () => {
    for (const sql of [
      "DESCRIBE file('/etc/shadow', 'TSVWithNames')",
      "DESCRIBE TABLE file('/etc/passwd')",
      `DESCRIBE url('${webUrl}/internal', 'CSVWithNames')`,
      `DESC url('http://127.0.0.1:${svc.service.ports.api}/metrics', 'LineAsString')`,
      `EXPLAIN SELECT * FROM url('${webUrl}/x', 'CSV')`,
      `EXPLAIN AST SELECT * FROM url('${webUrl}/x', 'CSV')`,
      `SELECT * FROM url('${webUrl}/x', 'CSV')`,
      `SELECT * FROM URL('${webUrl}/x', 'CSV')`,
      `SELECT * FROM s3('${webUrl}/bucket/key.csv', 'CSV')`,
      `SELECT * FROM remote('127.0.0.1:1', system.one)`,
      `SELECT * FROM remoteSecure('127.0.0.1:1', system.one)`,
      "SELECT * FROM executable('cat /etc/passwd', 'TSV', 'a String')",
      "SELECT file('/etc/passwd')",
      `SELECT 1 WHERE 1 IN (SELECT * FROM url('${webUrl}/x', 'CSV'))`,
      `SELECT * FROM view(SELECT * FROM url('${webUrl}/x', 'CSV'))`,
      `SELECT * FROM merge('system', '.*')`,
      "SELECT * FROM input('a String')",
      "SELECT joinGet('system.one', 'dummy', 0)",
    ]) {
      await refused(sql, 403, /not allowed here/);
    }
    assert.equal(hits, 0, 'a refused statement made a request');
    await stillWorks();
  });

  test('heredocs and nested comments cannot smuggle a second statement; USE, KILL, SYSTEM, SET are refused', async () => {
    await refused('SELECT $$a;b$$; USE system', 400, /Multi-statements are not allowed|SYNTAX_ERROR/);
    await refused("SELECT $$;$$; KILL QUERY WHERE 1 SYNC", 400, /SYNTAX_ERROR/);
    // The engine reads nested comments as one comment: one statement, answered.
    const nested = await send('SELECT 7 /* a /* b */ ; USE system; */');
    assert.equal(nested.status, 200, nested.text);
    assert.equal(nested.text, '7\n');
    await refused('/* x */ USE system', 403, /USE is not allowed/);
    await refused('KILL QUERY WHERE 1', 403, /KILL is not allowed/);
    await refused('SYSTEM FLUSH LOGS', 403, /SYSTEM is not allowed/);
    await refused('SYSTEM SHUTDOWN', 403, /READONLY/);
    await refused('SET readonly = 0', 403, /SET is not allowed/);
    await refused('OPTIMIZE TABLE llm_calls FINAL', 403, /OPTIMIZE is not allowed/);
    await refused("INSERT INTO spans (name) VALUES ('x')", 403, /INSERT is not allowed/);
    await refused('DROP TABLE llm_calls', 403, /DROP is not allowed/);
    await refused('CREATE TABLE t (a UInt8) ENGINE = Memory', 403, /CREATE is not allowed/);
    await refused('SHOW PROCESSLIST', 403, /SHOW PROCESSLIST is not allowed/);
    await stillWorks();
  });

  test('settings that lift read-only or a cap are refused or clamped; unknown ones are named', async () => {
    await refused('SELECT 1', 403, /readonly=0 is not allowed/, { readonly: '0' });
    // The engine itself refuses this one while parsing it (the clause is applied first).
    const lift = await send('SELECT 1 SETTINGS readonly = 0');
    assert.ok(lift.status === 400 || lift.status === 403, lift.text);
    assert.match(lift.text, /SETTINGS clause is not allowed|Cannot modify 'readonly' setting/);
    await refused('SELECT 1 SETTINGS max_threads = 8', 400, /SETTINGS clause is not allowed/);
    await refused('SELECT * FROM (SELECT 1 SETTINGS max_execution_time = 0)', 400, /SETTINGS clause/);
    await refused('SELECT 1', 400, /setting allow_ddl is not allowed on \/clickhouse/, { allow_ddl: '1' });
    await refused('SELECT 1', 400, /setting output_format_schema is not allowed/, { output_format_schema: path.join(dir, 'schema.capnp') });
    await refused('SELECT 1', 400, /setting max_execution_time: must be a non-negative number/, { max_execution_time: '1; DROP' });
    const clamped = await send("SELECT getSetting('max_execution_time'), getSetting('max_memory_usage'), getSetting('max_threads')", { max_execution_time: '100000', max_memory_usage: '0', max_threads: '64' });
    assert.equal(clamped.text, `3\t${256 * 1024 * 1024}\t1\n`);
    // Grafana's row limit is the `limit` setting.
    assert.equal((await send('SELECT number FROM numbers(10)', { limit: '4' })).text, '0\n1\n2\n3\n');
    // Output settings a client sends apply to its request only.
    const quoted = await send("SELECT getSetting('output_format_json_quote_64bit_integers') AS q", { output_format_json_quote_64bit_integers: '1' });
    assert.equal(quoted.text, 'true\n');
    for (let i = 0; i < 4; i++) {
      const next = await send("SELECT getSetting('output_format_json_quote_64bit_integers'), count() FROM (SELECT 1 FROM numbers(5) UNION ALL SELECT 1) GROUP BY ALL");
      assert.equal(next.text, 'false\t6\n', 'a setting of the previous request leaked into this one');
      assert.equal((await send('SELECT number FROM numbers(6)')).text.split('\n').length, 7, 'the previous limit leaked');
    }
    await stillWorks();
  });

  test("another database, and system tables that show the host or other callers, are not readable", async () => {
    const db = other.cfg.ledger.database;
    await refused(`SELECT count() FROM ${db}.llm_calls`, 403, new RegExp(`table ${db}.llm_calls is outside the ledger database`));
    await refused(`SELECT count() FROM \`${db}\`.\`llm_calls\``, 403, /outside the ledger database/);
    await refused(`SELECT 1 WHERE 1 IN ${db}.llm_calls`, 403, /outside the ledger database/);
    await refused(`SHOW TABLES FROM ${db}`, 403, /is not served here/);
    await refused(`SHOW CREATE TABLE ${db}.llm_calls`, 403, /outside the ledger database/);
    await refused(`DESCRIBE TABLE ${db}.spans`, 403, /outside the ledger database/);
    await refused('SELECT * FROM system.processes', 403, /system.processes is not readable here/);
    await refused('SELECT * FROM system.users', 403, /system.users is not readable/);
    await refused('SELECT * FROM INFORMATION_SCHEMA.TABLES', 403, /outside the ledger database/);
    await refused('SELECT 1', 400, /serves database/, { database: db });
    // The ledger itself, qualified or not, and the catalogue, stay readable.
    const own = await send(`SELECT count() FROM ${svc.cfg.ledger.database}.spans`);
    assert.equal(own.text, '0\n');
    const cat = await send('SELECT count() > 0 FROM system.columns WHERE database = currentDatabase()');
    assert.equal(cat.text, '1\n');
    // The catalogue's rows carry host paths: its path columns, and * over it, are refused.
    await refused('SELECT * FROM system.databases', 403, /system.databases: name the columns you need/);
    await refused('SELECT t.* FROM system.tables AS t', 403, /system.tables: name the columns you need/);
    await refused("SELECT COLUMNS('path') FROM system.tables", 403, /name the columns you need/);
    await refused('SELECT name, data_paths FROM system.tables', 403, /path columns are not readable/);
    await refused('SELECT `metadata_path` FROM system.databases', 403, /path columns are not readable/);
    await refused('SELECT name FROM llm_calls WHERE 0 UNION ALL SELECT data_path FROM system.databases', 403, /path columns are not readable/);
    await refused('DESCRIBE (SELECT * FROM system.tables)', 403, /name the columns you need/);
    const names = await send('SELECT name FROM system.databases WHERE name = currentDatabase()');
    assert.equal(names.text, `${svc.cfg.ledger.database}\n`, 'named columns stay readable');
    await stillWorks();
  });

  test('CPU, memory and result bombs are stopped by the caps', async () => {
    const cpu = await send('SELECT sum(cityHash64(number)) FROM numbers(1000000000000)', {}, {});
    assert.equal(cpu.status, 400, cpu.text);
    assert.match(cpu.text, /TIMEOUT_EXCEEDED|TOO_MANY_ROWS/);
    const rssBefore = process.memoryUsage.rss();
    const mem = await send('SELECT length(groupArray(number)) FROM numbers(1000000000)');
    assert.equal(mem.status, 400, mem.text);
    assert.match(mem.text, /MEMORY_LIMIT_EXCEEDED/);
    assert.ok(process.memoryUsage.rss() - rssBefore < 1024 * 1024 * 1024, 'the memory bomb grew the process by more than 1 GiB');
    const rows = await send('SELECT number FROM numbers(10000000)');
    assert.equal(rows.status, 400);
    // chDB sometimes reports this overflow garbled (a syntax error quoting the first rows);
    // either way the answer is refused and bounded, never the ten million rows.
    assert.match(rows.text, /TOO_MANY_ROWS_OR_BYTES|Syntax error/);
    assert.ok(rows.text.length < 10 * 1024 * 1024);
    await stillWorks();
  });

  test('a gzip bomb is refused after at most the query limit is inflated', async () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20));
    const a = await send(bomb as unknown as string, {}, { body: bomb, headers: { 'content-encoding': 'gzip' } });
    assert.equal(a.status, 413, a.text);
    assert.match(a.text, /TOO_MANY_BYTES/);
    const big = await send(`SELECT '${'x'.repeat(70 * 1024)}'`);
    assert.equal(big.status, 413, big.text);
    // A gzip'd query within the limit works, and so does a gzip'd answer.
    const res = await fetch(`${base}/?enable_http_compression=1`, { method: 'POST', body: gzipSync('SELECT 41 + 1'), headers: { ...auth, 'content-encoding': 'gzip', 'accept-encoding': 'gzip' } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '42\n');
    await stillWorks();
  });

  test('SHOW and EXISTS with a FORMAT clause work, as @clickhouse/client sends them; a FORMAT name is no database name', async () => {
    // The client appends `FORMAT JSONEachRow`; the tree of SHOW TABLES FORMAT TSV reads like SHOW TABLES FROM TSV.
    const tables = await (await svc.sql.query({ query: 'SHOW TABLES', format: 'JSONEachRow' })).json<{ name: string }>();
    assert.ok(tables.some((t) => t.name === 'llm_calls'), JSON.stringify(tables));
    const exists = await (await svc.sql.query({ query: 'EXISTS TABLE llm_calls', format: 'JSONEachRow' })).json<{ result: number }>();
    assert.deepEqual(exists, [{ result: 1 }]);
    const create = await send(`SHOW CREATE TABLE ${svc.cfg.ledger.database}.llm_calls FORMAT TSVRaw`);
    assert.equal(create.status, 200, create.text);
    assert.match(create.text, /^CREATE TABLE/);
    const dbs = await send('SHOW DATABASES FORMAT TSV');
    assert.equal(dbs.status, 200, dbs.text);
    const db = other.cfg.ledger.database;
    await refused(`SHOW TABLES FROM ${db} FORMAT TSV`, 403, /is not served here/);
    await refused(`EXISTS TABLE ${db}.llm_calls FORMAT TSV`, 403, /outside the ledger database/);
    await refused('SHOW TABLES FROM TSV', 403, /database TSV is not served here/);
    // A substituted name carrying a line that reads like a FORMAT clause is still a name.
    await refused('SHOW TABLES FROM {d:Identifier}', 400, /could not be analysed/, { param_d: `${db}\nFORMAT ${db}` });
    await refused('EXISTS TABLE {d:Identifier}.llm_calls FORMAT TSV', 403, /outside the ledger database/, { param_d: db });
    await refused('EXISTS TABLE {d:Identifier}.llm_calls FORMAT TSV', 400, /could not be analysed/, { param_d: `${db}\nFORMAT ${db}` });
    await refused("SHOW TABLES INTO OUTFILE 'x.tsv' FORMAT TSV", 403, /INTO OUTFILE is not allowed here|\(READONLY\)/);
    await stillWorks();
  });

  test('bound parameters are substituted as typed values, never as SQL', async () => {
    const evil = "x' UNION ALL SELECT name FROM system.users --";
    const rs = await svc.sql.query({ query: 'SELECT {s:String} AS s, {n:UInt32} + 1 AS n, {a:Array(String)} AS a, {t:Identifier} AS c FROM (SELECT 1 AS one)', query_params: { s: evil, n: 41, a: ["it's", 'b\tc'], t: 'one' }, format: 'JSONEachRow' });
    assert.deepEqual(await rs.json(), [{ s: evil, n: 42, a: ["it's", 'b\tc'], c: 1 }]);
    await assert.rejects(svc.sql.query({ query: 'SELECT {missing:String}' }), (err: Error & { type?: string }) => err.type === 'UNKNOWN_QUERY_PARAMETER');
    await assert.rejects(svc.sql.query({ query: 'SELECT * FROM {t:Identifier}', query_params: { t: 'system.users' } }), (err: Error & { type?: string }) => err.type === 'UNKNOWN_TABLE' || err.type === 'ACCESS_DENIED');
    await stillWorks();
  });

  test('requests shaped as the Grafana ClickHouse plugin sends them work', async () => {
    // clickhouse-go over HTTP (the plugin's HTTP protocol): POST, gzip'd body, Native
    // answers, the row limit as `limit`, the query timeout as max_execution_time, the
    // default database, compression asked for, credentials as HTTP Basic.
    const basic = `Basic ${Buffer.from(`grafana:${ADMIN_TOKEN}`).toString('base64')}`;
    const params = new URLSearchParams({ database: svc.cfg.ledger.database, default_format: 'Native', limit: '1000', max_execution_time: '60', enable_http_compression: '1', query_id: 'f1e2' });
    for (const sql of ['SELECT timeZone()', 'SELECT version()', "SELECT name FROM system.tables WHERE database = 'default' OR database = currentDatabase() ORDER BY name", 'DESCRIBE TABLE llm_calls']) {
      const res = await fetch(`${base}/?${params}`, { method: 'POST', body: gzipSync(sql), headers: { authorization: basic, 'content-encoding': 'gzip', 'accept-encoding': 'gzip' } });
      assert.equal(res.status, 200, `${sql}: ${await res.clone().text()}`);
      assert.equal(res.headers.get('x-clickhouse-format'), 'Native');
      const body = Buffer.from(await res.arrayBuffer());
      // fetch undoes gzip itself; a Native block starts with its column and row counts.
      const native = body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body;
      assert.ok(native[0]! >= 1 && native[1]! >= 1, `${sql}: not a Native block with rows`);
    }
  });
});
