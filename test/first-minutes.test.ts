import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { formatUsd } from '../src/cli/amount-format';
import { hashToken } from '../src/ownership';
import { BIN, killAll, runCli, startServe } from './helpers/cli-process';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { registryFile } from './helpers/test-service';

after(killAll);

const consoleUsd = require('../../src/console/assets/format.js').usd as (nano: string) => string;
const dataDir = () => mkdtempSync(path.join(tmpdir(), 'spanledger-first-'));

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

test('every subcommand answers --help with its usage and exit code 0', async () => {
  for (const [cmd, expected] of [['serve', /usage: spanledger serve[\s\S]*--viewer-token V\s+SPANLEDGER_VIEWER_TOKEN/], ['demo', /usage: spanledger demo/], ['prices', /usage: spanledger prices show/], ['report', /usage: spanledger report chargeback/], ['hash-token', /spanledger hash-token/]] as const) {
    for (const flag of ['--help', '-h']) {
      const res = await runCli([cmd, flag]);
      assert.equal(res.code, 0, `${cmd} ${flag}: ${res.stderr}`);
      assert.match(res.stdout, expected, `${cmd} ${flag}`);
    }
  }
  // Every command the top-level usage names, and every subcommand of report and prices.
  const top = await runCli(['--help']);
  assert.equal(top.code, 0);
  const named = [...new Set([...top.stdout.matchAll(/spanledger ([a-z-]+)/g)].map((m) => m[1]!))];
  assert.deepEqual(named.sort(), ['demo', 'hash-token', 'prices', 'report', 'schema', 'serve']);
  for (const cmd of named) {
    const res = await runCli([cmd, '--help']);
    assert.equal(res.code, 0, `${cmd} --help: ${res.stderr}`);
    assert.match(res.stdout, new RegExp(`spanledger ${cmd}`), cmd);
  }
  const subs = [...top.stdout.matchAll(/spanledger (report|prices) ([a-z][a-z|-]*)/g)].flatMap((m) => m[2]!.split('|').map((s) => [m[1]!, s]));
  assert.ok(subs.length >= 12, JSON.stringify(subs));
  for (const [cmd, s] of subs) {
    const res = await runCli([cmd!, s!, '--help']);
    assert.equal(res.code, 0, `${cmd} ${s} --help: ${res.stderr}`);
    assert.match(res.stdout, new RegExp(`usage: spanledger ${cmd}[\\s\\S]*${s}`), `${cmd} ${s}`);
  }
});

test('a CLI error names the URL it tried, not only "fetch failed"', async () => {
  const port = await freePort();
  const report = await runCli(['report', 'chargeback', '--api-port', String(port), '--admin-token', 'some-admin-token']);
  assert.equal(report.code, 2);
  assert.match(report.stderr, new RegExp(`tried http://127\\.0\\.0\\.1:${port}/v1/reports/chargeback`));
  assert.match(report.stderr, /nothing is listening there/);
  const reprice = await runCli(['prices', 'reprice', '--from', '2026-11-01', '--to', '2026-11-02', '--api-port', String(port), '--admin-token', 'some-admin-token']);
  assert.match(reprice.stderr, new RegExp(`tried http://127\\.0\\.0\\.1:${port}/v1/admin/prices/reprice`));
  const check = await runCli(['prices', 'check', '--api-port', String(port), '--admin-token', 'some-admin-token']);
  assert.match(check.stderr, new RegExp(`tried http://127\\.0\\.0\\.1:${port}/clickhouse`));
  const demo = await runCli(['demo', '--api-port', String(port)]);
  assert.match(demo.stderr, new RegExp(`tried http://127\\.0\\.0\\.1:${port}/readyz`));
});

test('amounts under a dollar keep three significant digits; from a dollar up, cents', () => {
  const cases: [string, string][] = [
    ['0', '$0.00'], ['1', '$0.000000001'], ['412000', '$0.000412'], ['4213079', '$0.00421'], ['5000000', '$0.005'],
    ['10000000', '$0.01'], ['100000000', '$0.10'], ['123456789', '$0.123'], ['999499999', '$0.999'], ['999500000', '$1.00'],
    ['1000000000', '$1.00'], ['1234567890123', '$1,234.57'], ['-4213079', '-$0.00421'], ['350000000', '$0.35'],
  ];
  for (const [nano, shown] of cases) assert.equal(formatUsd(nano), shown, nano);
});

test('the CLI and the console format every amount alike', () => {
  fc.assert(fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (n) => formatUsd(n.toString()) === consoleUsd(n.toString())), { numRuns: 2000 });
});

test('start-up prints the console, /metrics, the OTLP_* lines to copy, and what --allow-unauthenticated means', async () => {
  const svc = await startServe(['--data-dir', dataDir(), '--allow-unauthenticated', '--admin-token', 'first-minutes-admin']);
  try {
    const deadline = Date.now() + 10_000;
    while (!svc.tail().includes('spanledger is ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const ready = svc.tail().split('\n').map((l) => { try { return JSON.parse(l) as { msg?: string; urls?: Record<string, string> }; } catch { return {}; } }).find((e) => e.msg?.startsWith('spanledger is ready'));
    assert.ok(ready, svc.tail());
    const api = `http://127.0.0.1:${svc.ports.api}`;
    assert.equal(ready.urls!.console, `${api}/`);
    assert.equal(ready.urls!.metrics, `${api}/metrics`);
    assert.ok(ready.msg!.includes(`export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:${svc.ports.otlpHttp}\n`));
    assert.ok(ready.msg!.includes('export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf'));
    assert.ok(ready.msg!.includes(`OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:${svc.ports.otlpGrpc} OTEL_EXPORTER_OTLP_PROTOCOL=grpc`));
    // The token line is there in this mode too: a registry's senders still need theirs to be allocated.
    assert.match(ready.msg!, /\n {4}export OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <the sender's token from your registry>" +\(may be left out in this mode/);
    assert.match(ready.msg!, /--allow-unauthenticated: spans from anyone are accepted; calls without a known sender token are stored unallocated/);
    assert.ok(!svc.tail().includes('first-minutes-admin'), 'the admin token is never logged');
    // The URLs printed answer.
    assert.equal((await fetch(ready.urls!.console)).status, 200);
    const metrics = await fetch(ready.urls!.metrics);
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.match(text, /\nspanledger_process_cpu_seconds_total /);
    assert.doesNotMatch(text, /spanledger_process_process_|spanledger_process_nodejs_/, 'the process metrics\' prefix is not doubled');
  } finally {
    await svc.stop();
  }
});

test('logs are readable text when asked (a terminal gets it by default), JSON otherwise', async () => {
  const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir(), '--api-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--log-format', 'pretty'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const deadline = Date.now() + 60_000;
  while (!out.includes('a demo month for the console') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  assert.match(out, /INFO: spanledger is ready\n {2}console {3}http:\/\/127\.0\.0\.1:\d+\/ {3}off until --viewer-token or --admin-token is set/);
  assert.ok(!out.split('\n').some((l) => l.startsWith('{"level"')), 'no JSON lines in readable mode');
});

test('refused senders are logged once a minute with a count, without their token', async () => {
  const registry = registryFile(`tenants:\n  - { id: t1, team: a, app: b }\nsenders:\n  - { id: s1, token: "${hashToken('known-sender-token')}", tenant: t1 }\n`);
  const svc = await startServe(['--data-dir', dataDir(), '--registry', registry]);
  try {
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`http://127.0.0.1:${svc.ports.otlpHttp}/v1/traces`, {
        method: 'POST', body: encodeRequest([{ traceId: newTraceId(), spanId: newSpanId(), name: 'x', attributes: {} }]),
        headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer stolen-or-stale-token' },
      });
      assert.equal(res.status, 401);
      await res.arrayBuffer();
    }
    await new Promise((r) => setTimeout(r, 200));
    const refused = svc.tail().split('\n').filter((l) => l.includes('refused an OTLP export'));
    assert.equal(refused.length, 1, svc.tail());
    assert.match(refused[0]!, /"reason":"unknown sender token: it matches no sender in the registry"/);
    assert.match(refused[0]!, /"refusedSinceLastLine":0/);
    assert.ok(!svc.tail().includes('stolen-or-stale-token'));
  } finally {
    await svc.stop();
  }
});
