import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const children: ReturnType<typeof spawn>[] = [];
after(() => children.forEach((c) => c.kill('SIGKILL')));

// What a user does: pack the package, install the tarball globally (here into a temporary
// prefix), and run `spanledger serve` from a directory that is not the checkout.
test('npm pack, npm install -g of the tarball, then spanledger serve works from any directory', { timeout: 240_000 }, async () => {
  const work = mkdtempSync(path.join(tmpdir(), 'spanledger-pack-'));
  // The build already ran (npm test compiles first); packing skips `prepare` to not build twice.
  assert.ok(existsSync(path.join(ROOT, 'dist', 'src', 'main.js')), 'built');
  await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
  assert.ok(tarball, 'a tarball');
  const prefix = path.join(work, 'prefix');
  await run('npm', ['install', '-g', '--prefix', prefix, path.join(work, tarball), '--no-audit', '--no-fund', '--prefer-offline'], { cwd: work, timeout: 180_000 });
  const bin = path.join(prefix, 'bin', 'spanledger');
  assert.ok(existsSync(bin), 'the spanledger command is installed');
  const elsewhere = mkdtempSync(path.join(tmpdir(), 'spanledger-elsewhere-'));

  const help = await run(bin, ['--help'], { cwd: elsewhere });
  assert.match(help.stdout, /usage: spanledger serve/);

  const child = spawn(bin, ['serve', '--api-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--allow-unauthenticated', '--admin-token', 'packaged-admin-token'], { cwd: elsewhere, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 60_000;
  while (!out.includes('spanledger is ready') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  const ready = out.split('\n').map((l) => { try { return JSON.parse(l) as { msg?: string; urls?: Record<string, string> }; } catch { return {}; } }).find((e) => e.msg?.startsWith('spanledger is ready'));
  assert.ok(ready?.urls, out);
  const urls = ready.urls as { console: string; otlpHttp: string; sql: string };
  const page = await fetch(urls.console);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<script src="\/console\/app.js"/);
  const chart = await fetch(`${urls.console}console/vendor/chart.umd.min.js`);
  assert.equal(chart.status, 200, 'Chart.js is served from the installed package');
  assert.ok((await chart.arrayBuffer()).byteLength > 100_000);
  // A span through the packaged receiver lands in the ledger (./data of that directory).
  const span = {
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'packaged' } }] }, scopeSpans: [{ spans: [{
      traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'chat gpt-4o', kind: 3,
      startTimeUnixNano: `${Date.now()}000000`, endTimeUnixNano: `${Date.now() + 500}000000`,
      attributes: [{ key: 'gen_ai.provider.name', value: { stringValue: 'openai' } }, { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } }, { key: 'gen_ai.usage.input_tokens', value: { intValue: '1000' } }, { key: 'gen_ai.usage.output_tokens', value: { intValue: '100' } }],
    }] }] }],
  };
  const sent = await fetch(`${urls.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(span) });
  assert.equal(sent.status, 200);
  const q = await fetch(`${urls.sql}?query=${encodeURIComponent('SELECT toString(cost_nano_usd) FROM llm_calls')}`, { headers: { authorization: 'Bearer packaged-admin-token' } });
  // gpt-4o: $2.50 in and $10 out per million tokens: 1000 * 2500 + 100 * 10000 nano-USD.
  assert.equal((await q.text()).trim(), '3500000');
  assert.ok(existsSync(path.join(elsewhere, 'data')), 'the ledger lives in the directory it was started from');
  child.kill('SIGTERM');
  const code = await new Promise((r) => child.once('exit', r));
  assert.equal(code, 0);
});
