import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { burstCostForTest, demoCommand } from '../src/cli/demo-command';
import { reportCommand } from '../src/cli/report-command';
import { demoRegistryYaml } from '../src/cli/demo/demo-plan';
import { spawn } from 'node:child_process';
import { BIN, killAll } from './helpers/cli-process';
import { ADMIN_TOKEN, registryFile, startTestService, type TestService } from './helpers/test-service';

// The demo's invoice is the ledger's own daily totals with two planted differences: one day
// 4% above the ledger, and a model the ledger never saw. Read before the resolver marked the
// gateway's duplicate reports, it billed them too, and every recent day became a false
// "rate mismatch" of 20-90%.
const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
let svc: TestService;

before(async () => {
  svc = await startTestService({ ownership: { allowUnauthenticated: false, registry: registryFile(demoRegistryYaml(burstCostForTest)) } });
  const code = await demoCommand(
    ['--days', '30', '--scale', '0.15', '--quiet', '--api-port', String(svc.service.ports.api), '--otlp-http-port', String(svc.service.ports.otlpHttp), '--admin-token', ADMIN_TOKEN],
    sink(), sink(),
  );
  assert.equal(code, 0);
});
after(async () => {
  await killAll();
  await svc.stop();
});

test('the demo invoice differs from the ledger only where the demo planted a difference', async () => {
  const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const q = `from=${new Date(today - 40 * 86_400_000).toISOString().slice(0, 10)}&to=${new Date(today + 86_400_000).toISOString().slice(0, 10)}&tolerance_pct=0`;
  const res = await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/reports/reconciliation?${q}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { lines: { day: string; provider: string; model: string; invoiced_nano_usd: string; ledger_nano_usd: string; gap_nano_usd: string; category: string }[] };
  const off = body.lines.filter((l) => l.category !== 'within_tolerance');
  const days = new Set(off.map((l) => l.day));
  assert.equal(days.size, 1, `differences on ${[...days].join(', ')}: ${JSON.stringify(off)}`);
  const unseen = off.filter((l) => l.category === 'not_seen_by_ledger');
  assert.deepEqual(unseen.map((l) => [l.provider, l.model, l.invoiced_nano_usd]), [['openai', 'gpt-4.1', '3250000000']]);
  // Every other line of that day is the openai total billed 4% above the ledger, to the nano-dollar.
  const rated = off.filter((l) => l.category !== 'not_seen_by_ledger');
  assert.ok(rated.length > 0, 'the day billed above the ledger is there');
  for (const l of rated) {
    assert.equal(l.provider, 'openai');
    assert.equal(BigInt(l.invoiced_nano_usd), (BigInt(l.ledger_nano_usd) * 104n) / 100n, JSON.stringify(l));
  }
});

test('report reconcile lists the gaps to explain first, largest first', async () => {
  let text = '';
  const out = new Writable({ write: (c, _e, cb) => { text += String(c); cb(); } });
  const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const code = await reportCommand(
    ['reconcile', '--from', new Date(today - 40 * 86_400_000).toISOString().slice(0, 10), '--to', new Date(today + 86_400_000).toISOString().slice(0, 10), '--api-port', String(svc.service.ports.api), '--admin-token', ADMIN_TOKEN],
    out, sink(),
  );
  assert.equal(code, 0);
  const rows = text.split('\n').filter((l) => /^\d{4}-\d{2}-\d{2}\s/.test(l)).map((l) => l.trimEnd());
  assert.ok(rows.length > 3, text);
  assert.match(rows[0]!, /\sopenai\s+gpt-4\.1\s+\$3\.25\s+\$0\.00\s+\$3\.25\s+not_seen_by_ledger$/, 'the largest gap leads');
  const firstWithin = rows.findIndex((r) => r.endsWith('within_tolerance'));
  assert.ok(firstWithin > 0 && rows.slice(firstWithin).every((r) => r.endsWith('within_tolerance')), 'lines within tolerance come after every gap');
  // As a CI gate: the same report with --fail-on-gap exits 1 and says why.
  let said = '';
  const errOut = new Writable({ write: (c, _e, cb) => { said += String(c); cb(); } });
  const gated = await reportCommand(
    ['reconcile', '--fail-on-gap', '--from', new Date(today - 40 * 86_400_000).toISOString().slice(0, 10), '--to', new Date(today + 86_400_000).toISOString().slice(0, 10), '--api-port', String(svc.service.ports.api), '--admin-token', ADMIN_TOKEN],
    sink(), errOut,
  );
  assert.equal(gated, 1);
  assert.match(said, /^reconciliation gate failed: gap of \$[\d.,]+ \(/);
});

test('a session costs what its traces cost, to the nano-dollar', async () => {
  const get = async <T>(p: string): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.api}${p}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 200, p);
    return (await res.json()) as T;
  };
  const list = await get<{ sessions: { session_id: string; cost_nano_usd: string }[] }>('/v1/sessions?limit=1000');
  assert.ok(list.sessions.length > 10, 'the demo has sessions');
  const off: string[] = [];
  for (const s of list.sessions.slice(0, 40)) {
    const one = await get<{ totals: { cost_nano_usd: string }; traces: { trace_id: string; cost_nano_usd: string }[] }>(`/v1/sessions/${encodeURIComponent(s.session_id)}/cost`);
    const traces = one.traces.reduce((n, t) => n + BigInt(t.cost_nano_usd), 0n);
    if (BigInt(one.totals.cost_nano_usd) !== traces || s.cost_nano_usd !== one.totals.cost_nano_usd) off.push(`${s.session_id}: list ${s.cost_nano_usd}, session ${one.totals.cost_nano_usd}, its traces ${traces}`);
  }
  assert.deepEqual(off, []);
});

test('a report piped to another program arrives whole, past the pipe\'s 64 KiB buffer', async () => {
  const q = 'from=2026-01-01&to=2099-01-01';
  const api = await (await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/reports/focus?${q}&format=csv`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
  assert.ok(Buffer.byteLength(api) > 2 * 65536, `the FOCUS export is large enough to test: ${Buffer.byteLength(api)} bytes`);
  // A reader that starts late, as a slow consumer does: the pipe's buffer fills while the CLI still writes.
  const args = ['report', 'focus', '--from', '2026-01-01', '--to', '2099-01-01', '--format', 'csv', '--api-port', String(svc.service.ports.api), '--admin-token', ADMIN_TOKEN];
  const piped = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const sh = spawn('sh', ['-c', '"$@" | (sleep 1; cat)', 'sh', process.execPath, BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    sh.stdout.on('data', (d) => (out += d));
    sh.once('close', (code) => resolve({ code, out }));
  });
  assert.equal(piped.code, 0);
  assert.equal(Buffer.byteLength(piped.out), Buffer.byteLength(api));
  assert.equal(piped.out, api);
});

test("a team's users' spend adds up to the team's: a gateway's report of a call is its trace's user's", async () => {
  const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const q = `from=${new Date(today - 40 * 86_400_000).toISOString().slice(0, 10)}&to=${new Date(today + 86_400_000).toISOString().slice(0, 10)}`;
  const res = await fetch(`http://127.0.0.1:${svc.service.ports.api}/v1/reports/audit?${q}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(res.status, 200);
  const lines = ((await res.json()) as { lines: { dimension: string; subject: string; this_nano_usd: string }[] }).lines;
  // The demo names its users user-<team>-<n>, and every call of a registered team has one.
  const teams = lines.filter((l) => l.dimension === 'team' && l.subject !== '(unattributed)');
  assert.ok(teams.some((t) => t.subject === 'search'), 'the gateway-reported team is there');
  for (const t of teams) {
    const users = lines.filter((l) => l.dimension === 'user' && l.subject.startsWith(`user-${t.subject}-`)).reduce((n, l) => n + BigInt(l.this_nano_usd), 0n);
    assert.equal(users.toString(), t.this_nano_usd, `team ${t.subject}`);
  }
});
