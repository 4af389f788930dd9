import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { burstCostForTest, demoCommand } from '../src/cli/demo-command';
import { reportCommand } from '../src/cli/report-command';
import { demoRegistryYaml, UNPRICED_MODEL } from '../src/cli/demo/demo-plan';
import { CONSOLE_CSP } from '../src/console';
import { ADMIN_TOKEN, registryFile, startTestService, type TestService } from './helpers/test-service';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';

// Browser tests of the console in Debian's headless Chromium (`.ci/run` installs it), on a
// ledger filled by `spanledger demo` through the real OTLP receiver. Screenshots land in
// test-artifacts/console/ (gitignored).
const VIEWER = 'viewer-credential-1';
const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'console');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const usd = require('../../src/console/assets/format.js').usd as (nano: string) => string;

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

describe('the console in a real browser, on a demo month', () => {
  let svc: TestService;
  let base: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const fetched = new Map<string, Promise<unknown>>();
  const requested: string[] = [];
  const staleness = new Set<string>();
  const resolvedAt = new Set<string>();
  const api = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${base}${p}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 200, `${p}: ${res.status}`);
    return (await res.json()) as T;
  };
  // The console's default period: the 30 days up to today, `to` exclusive.
  const last30 = () => {
    const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    return `from=${new Date(today - 29 * 86_400_000).toISOString().slice(0, 10)}&to=${new Date(today + 86_400_000).toISOString().slice(0, 10)}`;
  };
  const ready = async (name: string) => {
    await page.waitForSelector(`#page[data-state="ready"][data-page="${name}"]`, { timeout: 20_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  };
  const nanoOf = (selector: string) => page.$eval(selector, (el) => el.getAttribute('data-nano'));
  // The page as drawn at 1024 and 1440 px wide: it never scrolls sideways (wide tables scroll
  // in their own wrapper); a screenshot of each width lands beside the others.
  // With `tables`, no table needs its own scroll either: every column is in view.
  const fits = async (name: string, tables = false) => {
    for (const width of [1024, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      const [scroll, inner] = await page.evaluate(() => [(globalThis as any).document.documentElement.scrollWidth as number, (globalThis as any).innerWidth as number]);
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
      assert.ok(scroll <= inner, `${name} at ${width} px: the document is ${scroll} px wide`);
      const wide = await page.$$eval('.table-wrap', (ws) => ws.filter((w) => w.scrollWidth > w.clientWidth).map((w) => w.querySelector('table')!.getAttribute('data-testid')));
      if (tables) assert.deepEqual(wide, [], `${name} at ${width} px: tables wider than the page`);
    }
    await page.setViewportSize({ width: 1400, height: 1000 });
  };
  // After a change of the hash within the same page: the page drawn for the new hash.
  const redrawn = (name: string, hash: string) => page.waitForFunction(([n, hh]) => {
    const d = (globalThis as any).document;
    return (globalThis as any).location.hash === hh && d.querySelector(`#page[data-state="ready"][data-page="${n}"]`) !== null;
  }, [name, hash] as const, { timeout: 20_000 });

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    svc = await startTestService({
      ownership: { allowUnauthenticated: false, registry: registryFile(demoRegistryYaml(burstCostForTest)) },
      console: { viewerToken: VIEWER },
    });
    base = `http://127.0.0.1:${svc.service.ports.api}`;
    const code = await demoCommand(
      ['--days', '30', '--scale', '0.15', '--quiet', '--api-port', String(svc.service.ports.api), '--otlp-http-port', String(svc.service.ports.otlpHttp), '--admin-token', ADMIN_TOKEN],
      sink(), sink(),
    );
    assert.equal(code, 0);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('request', (r) => requested.push(r.url()));
    // What the page read from the API, by path and query, for the comparison with the CLI.
    // The page asks for the staleness the server told it at sign-in; the key leaves it out.
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (r.status() === 200 && (u.pathname.startsWith('/v1/reports/') || u.pathname.startsWith('/v1/sessions'))) {
        staleness.add(u.searchParams.get('max_staleness_s') ?? 'none');
        resolvedAt.add(r.headers()['x-spanledger-resolved-at'] ?? 'none');
        fetched.set(u.pathname + u.search.replace(/[?&]max_staleness_s=\d+$/, ''), r.json());
      }
    });
  });
  after(async () => {
    await browser?.close();
    await svc?.stop();
  });

  test('the page and every asset carry the strict Content-Security-Policy; no CDN is named', async () => {
    for (const p of ['/', '/console/app.js', '/console/pages.js', '/console/vendor/chart.umd.min.js', '/console/style.css']) {
      const res = await fetch(`${base}${p}`);
      assert.equal(res.status, 200, p);
      assert.equal(res.headers.get('content-security-policy'), CONSOLE_CSP, p);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      await res.arrayBuffer();
    }
    assert.match(CONSOLE_CSP, /default-src 'none'/);
    assert.match(CONSOLE_CSP, /script-src 'self'(;|$)/);
    assert.doesNotMatch(CONSOLE_CSP, /unsafe-inline|unsafe-eval|https?:|\*/);
    const html = await (await fetch(`${base}/`)).text();
    assert.doesNotMatch(html, /https?:\/\//, 'the page loads nothing from another origin');
    assert.doesNotMatch(html, /<script>|style=/, 'no inline script or style');
  });

  test('sign-in is refused without a valid credential, and reads need the session', async () => {
    for (const body of [JSON.stringify({ token: 'wrong-credential' }), JSON.stringify({ token: '' }), JSON.stringify({}), 'not json']) {
      const res = await fetch(`${base}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.ok(res.status === 401 || res.status === 400, `${body}: ${res.status}`);
      assert.equal(res.headers.get('set-cookie'), null);
      await res.arrayBuffer();
    }
    for (const p of ['/v1/reports/chargeback', '/v1/reports/quality', '/clickhouse?query=SELECT%201']) {
      const res = await fetch(`${base}${p}`, { headers: { cookie: 'spanledger_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
      assert.equal(res.status, 401, p);
      await res.arrayBuffer();
    }
  });

  test('the session cookie is HttpOnly and SameSite=Strict, reads only, and the credential never shows in a URL', async () => {
    const res = await fetch(`${base}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: VIEWER }) });
    assert.equal(res.status, 200);
    const cookie = res.headers.get('set-cookie')!;
    assert.match(cookie, /^spanledger_session=[A-Za-z0-9_-]{43}; /);
    assert.match(cookie, /; HttpOnly(;|$)/);
    assert.match(cookie, /; SameSite=Strict(;|$)/);
    assert.doesNotMatch(cookie, new RegExp(VIEWER));
    const session = cookie.split(';')[0]!;
    const read = await fetch(`${base}/v1/reports/chargeback?${last30()}`, { headers: { cookie: session } });
    assert.equal(read.status, 200);
    await read.arrayBuffer();
    // The cookie writes nothing: an invoice import, a reprice, a dead-letter replay, SQL by POST.
    for (const [method, p] of [['POST', '/v1/reports/invoices'], ['POST', '/v1/admin/prices/reprice'], ['POST', '/v1/admin/dead-letters/replay'], ['GET', '/v1/admin/dead-letters'], ['POST', '/clickhouse']] as const) {
      const w = await fetch(`${base}${p}`, { method, headers: { cookie: session, 'content-type': 'text/plain' }, ...(method === 'POST' ? { body: 'SELECT 1' } : {}) });
      assert.ok(w.status === 401 || w.status === 403, `${method} ${p} with the cookie: ${w.status}`);
      await w.arrayBuffer();
    }
    // The viewer credential itself reads, and only reads.
    const viaHeader = await fetch(`${base}/v1/reports/quality`, { headers: { authorization: `Bearer ${VIEWER}` } });
    assert.equal(viaHeader.status, 200);
    await viaHeader.arrayBuffer();
    const write = await fetch(`${base}/v1/reports/invoices`, { method: 'POST', headers: { authorization: `Bearer ${VIEWER}`, 'content-type': 'text/csv' }, body: 'date,provider,model,cost\n' });
    assert.equal(write.status, 403, 'the viewer credential is read-only');
    await write.arrayBuffer();
    // Signed out, the cookie no longer reads.
    const out = await fetch(`${base}/console/session`, { method: 'DELETE', headers: { cookie: session } });
    assert.match(out.headers.get('set-cookie')!, /Max-Age=0/);
    const again = await fetch(`${base}/v1/reports/quality`, { headers: { cookie: session } });
    assert.equal(again.status, 401);
    await again.arrayBuffer();
  });

  test('the viewer credential serves a Grafana datasource: the plugin\'s request shape reads, nothing writes', async () => {
    // As the grafana-clickhouse-datasource plugin sends it (see test/dashboards.test.ts).
    const params = new URLSearchParams({ database: svc.cfg.ledger.database, default_format: 'Native', limit: '1000', max_execution_time: '60', enable_http_compression: '1' });
    const send = (sql: string) => fetch(`${base}/clickhouse?${params}`, {
      method: 'POST', body: gzipSync(sql),
      headers: { authorization: `Basic ${Buffer.from(`grafana:${VIEWER}`).toString('base64')}`, 'content-encoding': 'gzip', 'accept-encoding': 'gzip' },
    });
    const res = await send('SELECT team, sum(cost_nano_usd) FROM llm_calls FINAL GROUP BY team');
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('x-clickhouse-format'), 'Native');
    const body = Buffer.from(await res.arrayBuffer());
    assert.ok(body[0]! >= 1 && body[1]! >= 1, 'a Native block with rows');
    const insert = await send("INSERT INTO invoice_lines (provider) VALUES ('x')");
    assert.equal(insert.status, 403);
    await insert.arrayBuffer();
  });

  test('in the browser: a wrong credential is refused, the right one signs in, the page cannot read the cookie', async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector('#sign-in:not([hidden])');
    await page.screenshot({ path: path.join(ARTIFACTS, 'sign-in.png') });
    await page.fill('#token', 'not-the-credential');
    await page.click('#sign-in button');
    await page.waitForFunction(() => (globalThis as any).document.getElementById('sign-in-error').textContent !== '');
    assert.match(await page.textContent('#sign-in-error') ?? '', /not valid/);
    assert.equal(await page.isVisible('#nav'), false);
    await page.fill('#token', VIEWER);
    await page.click('#sign-in button');
    await ready('spend');
    assert.equal(await page.evaluate(() => (globalThis as any).document.cookie), '', 'HttpOnly: scripts see no cookie');
    const cookies = await page.context().cookies();
    const c = cookies.find((k) => k.name === 'spanledger_session')!;
    assert.equal(c.httpOnly, true);
    assert.equal(c.sameSite, 'Strict');
    assert.ok(!page.url().includes(VIEWER));
    // The refused sign-in's 401 is the one expected failure of a request.
    assert.deepEqual(problems, ['console: Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
    problems.length = 0;
  });

  test('Spend shows the chargeback report\'s figures exactly', async () => {
    const cb = await api<{ totals: Record<string, string>; unallocated: { billed_nano_usd: string; calls: number }; lines: { team: string; billed_nano_usd: string; charged_nano_usd: string; calls: number }[]; by_team: { team: string; retry_cost_nano_usd: string; failed_cost_nano_usd: string }[] }>(`/v1/reports/chargeback?${last30()}&group_by=team`);
    await page.goto(`${base}/#/spend?by=team`);
    await ready('spend');
    // The period's last day is shown, not the API's exclusive end.
    const today = new Date().toISOString().slice(0, 10);
    assert.match((await page.textContent('h1 [data-period]'))!, new RegExp(`^\\d{4}-\\d{2}-\\d{2} to ${today}$`));
    assert.equal(await nanoOf('[data-testid="total-billed"] .value'), cb.totals.billed_nano_usd);
    assert.equal(await nanoOf('[data-testid="total-charged"] .value'), cb.totals.charged_nano_usd);
    assert.equal(await nanoOf('[data-testid="total-unallocated"] .value'), cb.unallocated.billed_nano_usd);
    assert.ok(BigInt(cb.unallocated.billed_nano_usd) > 0n, 'the demo has unallocated spend');
    assert.equal(await page.textContent('[data-testid="total-billed"] .value'), usd(cb.totals.billed_nano_usd!));
    assert.ok(cb.lines.length >= 4);
    for (const l of cb.lines) {
      const row = `[data-testid="chargeback-lines"] tr[data-subject="${l.team}"]`;
      const cells = await page.$$eval(`${row} td.money`, (tds) => tds.map((td) => td.getAttribute('data-nano')));
      assert.deepEqual(cells, [l.billed_nano_usd, l.charged_nano_usd], l.team);
    }
    for (const t of cb.by_team.filter((x) => x.team !== '')) {
      const cells = await page.$$eval(`[data-testid="by-team"] tr[data-team="${t.team}"] td.money`, (tds) => tds.map((td) => td.getAttribute('data-nano')));
      assert.equal(cells[1], t.failed_cost_nano_usd, t.team);
      assert.equal(cells[2], t.retry_cost_nano_usd, t.team);
    }
    assert.ok(BigInt(cb.by_team.find((t) => t.team === 'research')!.retry_cost_nano_usd) > 0n, 'the retry storm costs');
    const reasons = (cb.unallocated as unknown as { reasons: { reason: string; calls: number; billed_nano_usd: string }[] }).reasons;
    assert.ok(reasons.length >= 1, 'the shared collector\'s calls are unallocated for a reason');
    assert.equal(reasons.reduce((n, r) => n + BigInt(r.billed_nano_usd), 0n), BigInt(cb.unallocated.billed_nano_usd), 'the reasons add up to the unallocated line');
    const shownReasons = await page.$$eval('[data-testid="unallocated-reasons"] tbody tr', (rows) => rows.map((r) => [r.getAttribute('data-reason'), r.querySelector('td.money')!.getAttribute('data-nano')]));
    assert.deepEqual(shownReasons, reasons.map((r) => [r.reason, r.billed_nano_usd]));
    assert.ok(await page.$('#trend-chart'));
    assert.ok(await page.evaluate(() => typeof (globalThis as any).Chart === 'function'), 'Chart.js loaded from the package');
    // The headlines: the audit's team lines in the console's money format, unattributed traffic once.
    type AuditLine = { dimension: string; subject: string; this_nano_usd: string; change_pct: number | null };
    const audit = await api<{ lines: AuditLine[] }>(`/v1/reports/audit?${last30()}`);
    const heads = await page.$$eval('[data-testid="headlines"] li', (lis) => lis.map((li) => [li.textContent ?? '', [...li.querySelectorAll('.money')].map((m) => [m.textContent, m.getAttribute('data-nano')])] as const));
    assert.ok(heads.length >= 2, JSON.stringify(heads));
    for (const [text, amounts] of heads) {
      assert.equal(amounts.length, 1, `one amount in "${text}"`);
      assert.equal(amounts[0]![0], usd(amounts[0]![1]!), text);
      assert.doesNotMatch(text, /\(new\)/, text);
    }
    const un = audit.lines.find((l) => l.dimension === 'team' && l.subject === '(unattributed)')!;
    assert.ok(BigInt(un.this_nano_usd) > 0n && BigInt(un.this_nano_usd) < 1_000_000_000n, 'the demo has under a dollar of unattributed traffic');
    const unHeads = heads.filter(([text]) => text.includes('Unattributed traffic'));
    assert.equal(unHeads.length, 1, 'unattributed traffic is one headline');
    assert.match(unHeads[0]![0], new RegExp(`^Unattributed traffic: ${usd(un.this_nano_usd).replace(/[$.]/g, '\\$&')}[ ,].*, needs cleanup$`));
    // Grouped by anything but team, each line is (team, subject): the team column tells them apart.
    const byEnv = await api<{ lines: Record<string, string>[] }>(`/v1/reports/chargeback?${last30()}&group_by=environment`);
    await page.selectOption('#group-by', 'environment');
    await redrawn('spend', '#/spend?by=environment&period=last30');
    assert.deepEqual(await page.$$eval('[data-testid="chargeback-lines"] th', (ths) => ths.slice(0, 3).map((t) => t.textContent)), ['team', 'environment', 'calls']);
    const pairs = await page.$$eval('[data-testid="chargeback-lines"] tbody tr:not([data-subject="(unallocated)"])', (rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent).join('/')));
    assert.deepEqual(pairs, byEnv.lines.map((l) => `${l.team}/${l.environment}`));
    assert.ok(new Set(byEnv.lines.map((l) => l.environment)).size < byEnv.lines.length, 'teams share an environment');
    assert.equal(new Set(pairs).size, pairs.length, 'no two lines read the same');
    // The nav keeps only the period: not the grouping.
    assert.equal(await page.getAttribute('#nav a[data-page="workflows"]', 'href'), '#/workflows');
    await fits('spend');
  });

  test('drill-down: from a team to its sessions, one session\'s traces and one trace\'s span tree', async () => {
    await page.click('[data-testid="by-team"] tr[data-team="search"] a');
    await ready('workflows');
    const first = await page.getAttribute('[data-testid="sessions"] tbody tr', 'data-session');
    assert.ok(first?.startsWith('sess-search-'), `a search session first, got ${first}`);
    const listed = await nanoOf('[data-testid="sessions"] tbody tr td.money');
    const today0 = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const list = await api<{ sessions: { session_id: string; cost_nano_usd: string; team: string }[] }>(
      `/v1/sessions?from=${new Date(today0 - 29 * 86_400_000).toISOString()}&to=${new Date(today0 + 86_400_000).toISOString()}&limit=50&team=search`);
    const shownSessions = await page.$$eval('[data-testid="sessions"] tbody tr', (rows) => rows.map((r) => [r.getAttribute('data-session'), r.querySelector('td.money')!.getAttribute('data-nano')]));
    assert.deepEqual(shownSessions, list.sessions.map((x) => [x.session_id, x.cost_nano_usd]));
    assert.ok(list.sessions.every((x) => x.team === 'search'));
    const costs = list.sessions.map((x) => BigInt(x.cost_nano_usd));
    assert.ok(costs.every((c, i) => i === 0 || costs[i - 1]! >= c), 'costliest first');
    await page.click('[data-testid="sessions"] tbody tr a');
    await ready('session');
    const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const s = await api<{ totals: Record<string, string>; traces: { trace_id: string; cost_nano_usd: string }[] }>(
      `/v1/sessions/${first}/cost?from=${new Date(today - 29 * 86_400_000).toISOString()}&to=${new Date(today + 86_400_000).toISOString()}`);
    assert.equal(await nanoOf('[data-testid="session-cost"] .value'), s.totals.cost_nano_usd);
    assert.equal(listed, s.totals.cost_nano_usd, 'the session list and the session route agree');
    const traceRows = await page.$$eval('[data-testid="traces"] tbody tr', (rows) => rows.map((r) => [r.getAttribute('data-trace'), r.querySelector('td.money')!.getAttribute('data-nano')]));
    assert.deepEqual(traceRows, s.traces.map((t) => [t.trace_id, t.cost_nano_usd]));
    // Start times as the console shows times, in UTC and marked so.
    const started = await page.$$eval('[data-testid="traces"] tbody tr td:nth-child(4)', (tds) => tds.map((td) => td.textContent));
    assert.ok(started.length >= 1);
    for (const t of started) assert.match(t ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    await fits('session', true);
    await page.click('[data-testid="traces"] tbody tr a');
    await ready('trace');
    // The breadcrumb leads back to the session the trace came from.
    assert.equal(await page.getAttribute('[data-testid="trace-session"]', 'href'), `#/session/${first}?period=last30`);
    const traceId = s.traces[0]!.trace_id;
    type Node = { span_id: string; duration_ms: number; subtree_cost_nano_usd: string; llm: { billed_nano_usd: string; is_duplicate: number | boolean } | null; children: Node[] };
    const t = await api<{ totals: Record<string, string>; root: Node }>(`/v1/traces/${traceId}/cost`);
    assert.equal(await nanoOf('[data-testid="trace-cost"] .value'), t.totals.cost_nano_usd);
    const walk = (n: Node): Node[] => [n, ...n.children.flatMap(walk)];
    const nodes = walk(t.root);
    assert.ok(nodes.length >= 4, 'root, retrieval, calls, gateway reports');
    for (const n of nodes) {
      const cells = await page.$$eval(`[data-testid="span-tree"] tr[data-span="${n.span_id}"] td.money`, (tds) => tds.map((td) => td.getAttribute('data-nano')));
      assert.equal(cells[cells.length - 1], n.subtree_cost_nano_usd, n.span_id);
      if (n.llm) assert.equal(cells[0], n.llm.billed_nano_usd, n.span_id);
    }
    const duplicates = nodes.filter((n) => n.llm?.is_duplicate).length;
    assert.ok(duplicates >= 1, 'the gateway reported the calls again');
    assert.equal(await page.$$eval('[data-testid="span-tree"] .mark.duplicate', (m) => m.length), duplicates);
    // Durations: milliseconds under a second, seconds to a tenth above.
    const durations = nodes.map((n) => [n.span_id, n.duration_ms] as const);
    assert.ok(durations.some(([, ms]) => ms >= 1000), 'the trace\'s root took over a second');
    for (const [span, ms] of durations) {
      const shown = await page.textContent(`[data-testid="span-tree"] tr[data-span="${span}"] td:nth-child(6)`);
      assert.equal(shown, ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`, span);
    }
    await fits('trace');
  });

  test('an unknown page says so and links to Spend, keeping the period', async () => {
    await page.goto(`${base}/#/nosuchpage?period=2026-01`);
    await ready('not-found');
    assert.match(await page.textContent('[data-testid="not-found"] h1') ?? '', /No such page/);
    assert.equal(await page.getAttribute('[data-testid="not-found"] a', 'href'), '#/spend?period=2026-01');
    assert.equal(await page.$('[data-testid="spend"]'), null, 'not the Spend page');
  });

  test('a trace with retries shows its retry and failed marks', async () => {
    const [storm] = await svc.rows<{ trace_id: string; retries: string; session_id: string }>(
      "SELECT trace_id, toString(countIf(is_retry)) AS retries, any(session_id) AS session_id FROM llm_calls_resolved(from = '2000-01-01 00:00:00', to = '2100-01-01 00:00:00') WHERE team = 'research' GROUP BY trace_id ORDER BY countIf(is_retry) DESC LIMIT 1");
    assert.ok(Number(storm!.retries) >= 20, `the retry storm: ${storm!.retries}`);
    await page.goto(`${base}/#/trace/${storm!.trace_id}`);
    await ready('trace');
    assert.equal(await page.$$eval('[data-testid="span-tree"] .mark.retry', (m) => m.length), Number(storm!.retries));
    assert.ok(await page.$$eval('[data-testid="span-tree"] .mark.failed', (m) => m.length) >= 20);
    // Reached by its address, the trace names its session from its calls.
    assert.ok(storm!.session_id !== '', 'the retry storm has a session');
    assert.equal(await page.getAttribute('[data-testid="trace-session"]', 'href'), `#/session/${encodeURIComponent(storm!.session_id)}?period=last30`);
  });

  test('Budgets: every budget with its limit, spend, reservations, forecast and state; one warns, one denies, one is ok', async () => {
    type Budget = { scope: string; subject: string; limit_nano_usd: string; spent_nano_usd: string; reserved_nano_usd: string; forecast_nano_usd: string; warn_at_nano_usd: string; state: string; events: string[] };
    const rep = await api<{ budgets: Budget[]; events: { kind: string; subject: string }[]; decisions: { by_outcome: { outcome: string }[]; recent: unknown[] } }>(`/v1/reports/budgets?${last30()}`);
    await page.goto(`${base}/#/budgets`);
    await ready('budgets');
    assert.deepEqual(rep.budgets.map((b) => `${b.scope}:${b.subject}:${b.state}`), ['team:research:ok', 'tenant:ads-copy:denied', 'tenant:support-chat:warn']);
    for (const b of rep.budgets) {
      const row = `[data-testid="budget-states"] tr[data-budget="${b.scope}:${b.subject}"]`;
      const cells = await page.$$eval(`${row} td.money`, (tds) => tds.map((td) => td.getAttribute('data-nano')));
      // The forecast moves with the clock between the page's request and this one.
      assert.deepEqual(cells.slice(0, 3), [b.limit_nano_usd, b.spent_nano_usd, b.reserved_nano_usd], b.subject);
      assert.ok(BigInt(cells[3]!) >= BigInt(b.spent_nano_usd), `${b.subject}: the page's forecast ${cells[3]} is at least the spend`);
      assert.equal(await page.getAttribute(`${row} td[data-state]`, 'data-state'), b.state);
      assert.ok(BigInt(b.forecast_nano_usd) >= BigInt(b.spent_nano_usd), 'the forecast never falls below what is spent');
    }
    const ads = rep.budgets.find((b) => b.subject === 'ads-copy')!;
    assert.ok(BigInt(ads.spent_nano_usd) >= BigInt(ads.limit_nano_usd), 'the deny budget is spent past its limit');
    assert.ok(ads.events.includes('budget_exceeded'));
    const support = rep.budgets.find((b) => b.subject === 'support-chat')!;
    assert.ok(BigInt(support.spent_nano_usd) + BigInt(support.reserved_nano_usd) >= BigInt(support.warn_at_nano_usd) || support.events.includes('budget_warning'));
    const research = rep.budgets.find((b) => b.subject === 'research')!;
    assert.ok(BigInt(research.spent_nano_usd) > 0n, 'the research team spends this month');
    // The events in the ledger, all listed.
    const events = await svc.rows<{ scope: string; subject: string; kind: string; limit: string }>('SELECT scope, subject, kind, toString(limit_nano_usd) AS limit FROM policy_events FINAL ORDER BY subject, kind');
    assert.ok(events.some((e) => e.subject === 'support-chat' && e.kind === 'budget_warning'));
    assert.ok(events.some((e) => e.subject === 'ads-copy' && e.kind === 'budget_exceeded'));
    assert.equal(await page.$$eval('[data-testid="budget-events"] tbody tr', (r) => r.length), events.length);
    assert.equal(rep.events.length, events.length);
    const outcomes = await page.$$eval('[data-testid="decision-counts"] tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(outcomes, rep.decisions.by_outcome.map((d) => d.outcome));
    assert.ok(outcomes.includes('deny') && outcomes.includes('warn'), outcomes.join(','));
    assert.equal(await page.$$eval('[data-testid="recent-decisions"] tbody tr', (r) => r.length), rep.decisions.recent.length);
    assert.match(await page.textContent('[data-testid="budget-events"] tbody tr td') ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    await fits('budgets', true);
    // A month chosen here is kept by the top nav (and nothing else of the route is).
    const now = new Date();
    const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
    await page.selectOption('#period', month);
    await redrawn('budgets', `#/budgets?period=${month}`);
    assert.equal(await page.getAttribute('#nav a[data-page="spend"]', 'href'), `#/spend?period=${month}`);
    await page.click('#nav a[data-page="spend"]');
    await redrawn('spend', `#/spend?period=${month}`);
    assert.equal(await page.$eval('#period', (el) => (el as unknown as { value: string }).value), month);
    assert.match(await page.textContent('[data-testid="spend"] h1') ?? '', new RegExp(month));
  });

  test('Data quality and reconciliation show the quality and reconciliation reports\' figures', async () => {
    const q = await api<{ calls: number; unmapped_llm_spans: number; duplicates_removed: number }>(`/v1/reports/quality?${last30()}`);
    const r = await api<{ summary: string; lines: { day: string; provider: string; model: string; gap_nano_usd: string; category: string }[] }>(`/v1/reports/reconciliation?${last30()}`);
    await page.goto(`${base}/#/quality`);
    await ready('quality');
    // Counts with thousands separators, as everywhere in the console.
    assert.ok(q.calls >= 1000, `${q.calls} calls`);
    assert.equal(await page.textContent('[data-testid="quality-measures"] tr[data-measure="calls"] td.num'), q.calls.toLocaleString('en-US'));
    assert.equal(await page.textContent('[data-testid="quality-measures"] tr[data-measure="duplicates removed"] td.num'), q.duplicates_removed.toLocaleString('en-US'));
    assert.ok(q.duplicates_removed > 0);
    const unpricedShown = await page.$$eval('[data-testid="unpriced-models"] tbody tr td:nth-child(2)', (tds) => tds.map((t) => t.textContent));
    assert.deepEqual(unpricedShown, (q as unknown as { unpriced_models: { model: string }[] }).unpriced_models.map((m) => m.model));
    assert.deepEqual(unpricedShown, [UNPRICED_MODEL]);
    assert.ok(q.unmapped_llm_spans > 0, 'the batch job names its model where no convention reads it');
    assert.equal(await page.textContent('[data-testid="quality-measures"] tr[data-measure="unmapped LLM-looking spans"] td.num'), q.unmapped_llm_spans.toLocaleString('en-US'));
    assert.equal(await page.textContent('[data-testid="reconciliation-summary"]'), r.summary);
    // The explained gaps, largest first; the lines within tolerance after them, folded away.
    const lines = (testid: string) => page.$$eval(`[data-testid="${testid}"] tbody tr`, (rows) => rows.map((row) => [row.getAttribute('data-line'), row.querySelectorAll('td.money')[2]!.getAttribute('data-nano')]));
    const abs = (x: string) => (BigInt(x) < 0n ? -BigInt(x) : BigInt(x));
    const bySize = (a: { gap_nano_usd: string }, b: { gap_nano_usd: string }) => (abs(b.gap_nano_usd) > abs(a.gap_nano_usd) ? 1 : abs(b.gap_nano_usd) < abs(a.gap_nano_usd) ? -1 : 0);
    const shownLine = (l: (typeof r.lines)[number]) => [`${l.day}:${l.provider}:${l.model}`, l.gap_nano_usd];
    const explained = r.lines.filter((l) => l.category !== 'within_tolerance').sort(bySize);
    const within = r.lines.filter((l) => l.category === 'within_tolerance').sort(bySize);
    assert.ok(explained.length >= 2 && within.length >= 1, `${explained.length} explained, ${within.length} within tolerance`);
    assert.deepEqual(await lines('reconciliation-lines'), explained.map(shownLine));
    assert.deepEqual(await lines('reconciliation-within-lines'), within.map(shownLine));
    assert.equal(await page.getAttribute('[data-testid="reconciliation-within"]', 'open'), null, 'within tolerance starts folded');
    assert.equal(await page.isVisible('[data-testid="reconciliation-within-lines"]'), false);
    await fits('quality');
    assert.ok(r.lines.some((l) => l.category === 'not_seen_by_ledger'), 'the demo invoice bills a model the ledger never saw');
    assert.ok(r.lines.some((l) => l.category === 'rate_mismatch'), 'and one day above the ledger');
  });

  test('Prices: every model in the ledger with the catalog entry, override or correction its calls got', async () => {
    const rep = await api<{ lines: { provider: string; model: string; source: string; catalog_entry: string; corrections: string[]; price_version: string; billed_nano_usd: string }[] }>(`/v1/reports/prices?${last30()}`);
    await page.goto(`${base}/#/prices`);
    await ready('prices');
    const models = await svc.rows<{ m: string }>("SELECT DISTINCT concat(provider, '/', if(response_model != '', response_model, request_model)) AS m FROM llm_calls FINAL WHERE timestamp >= now() - INTERVAL 31 DAY ORDER BY m");
    const shown = await page.$$eval('[data-testid="price-lines"] tbody tr', (rows) => rows.map((r) => [r.getAttribute('data-model'), r.getAttribute('data-version'), r.querySelector('td.money')!.getAttribute('data-nano')]));
    assert.deepEqual(shown, rep.lines.map((l) => [`${l.provider}/${l.model}`, l.price_version, l.billed_nano_usd]));
    assert.deepEqual([...new Set(shown.map((x) => x[0]))].sort(), models.map((m) => m.m));
    const priced = rep.lines.filter((l) => l.price_version !== '');
    assert.ok(priced.length >= 5 && priced.every((l) => l.source === 'catalog' && l.catalog_entry !== ''), JSON.stringify(rep.lines));
    const unpriced = rep.lines.filter((l) => l.price_version === '');
    assert.deepEqual(unpriced.map((l) => `${l.model}:${l.source}:${(l as unknown as { pricing_status: string }).pricing_status}`), [`${UNPRICED_MODEL}::unpriced_unknown_model`], 'the notebook\'s fine-tune has no price');
    const sonnet = rep.lines.find((l) => l.model === 'claude-sonnet-4-20250514')!;
    assert.ok(sonnet.corrections.length >= 1, `a shipped correction applies to ${sonnet.price_version}`);
    assert.match(await page.textContent(`[data-testid="price-lines"] tr[data-model="anthropic/claude-sonnet-4-20250514"]`) ?? '', new RegExp(sonnet.corrections[0]!));
    // A table with nothing in it says so.
    assert.deepEqual((rep as unknown as { adjustments: unknown[] }).adjustments, [], 'the demo re-rates nothing');
    assert.deepEqual(await page.$$eval('[data-testid="corrections"] tbody tr', (rows) => rows.map((row) => [row.className, row.textContent])), [['none', 'none']]);
    await fits('prices', true);
  });

  test('the figures the console read are the HTTP report API\'s and the CLI\'s, exact strings', async () => {
    const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const from = new Date(today - 29 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(today + 86_400_000).toISOString().slice(0, 10);
    const cli = async (args: string[]) => {
      let text = '';
      const out = new Writable({ write: (c, _e, cb) => { text += String(c); cb(); } });
      const code = await reportCommand([...args, '--format', 'json', '--api-port', String(svc.service.ports.api), '--admin-token', ADMIN_TOKEN], out, sink());
      assert.equal(code, 0, args.join(' '));
      return JSON.parse(text) as Record<string, unknown>;
    };
    // Each API request the pages made, as the page got it, beside the CLI's answer for the same period.
    const cases: [string, string[], (keyof typeof drop)?][] = [
      [`/v1/reports/chargeback?from=${from}&to=${to}&group_by=team`, ['chargeback', '--from', from, '--to', to, '--group-by', 'team']],
      [`/v1/reports/audit?from=${from}&to=${to}`, ['audit', '--from', from, '--to', to]],
      [`/v1/reports/quality?from=${from}&to=${to}`, ['quality', '--from', from, '--to', to]],
      [`/v1/reports/reconciliation?from=${from}&to=${to}`, ['reconcile', '--from', from, '--to', to]],
      [`/v1/reports/budgets?from=${from}&to=${to}`, ['budgets', '--from', from, '--to', to], 'budgets'],
      [`/v1/reports/prices?from=${from}&to=${to}`, ['prices', '--from', from, '--to', to]],
      [`/v1/sessions?from=${from}T00:00:00.000Z&to=${to}T00:00:00.000Z&limit=50&team=search`, ['sessions', '--from', from, '--to', to, '--team', 'search', '--limit', '50']],
    ];
    // Budgets are computed as of the request: its time and the forecast from it move.
    const drop = { budgets: (r: Record<string, unknown>) => ({ ...r, as_of: '', budgets: (r.budgets as Record<string, unknown>[]).map((b) => ({ ...b, forecast_nano_usd: '' })) }) };
    for (const [url, args, dropKey] of cases) {
      const seen = fetched.get(url);
      assert.ok(seen, `the console read ${url}; it read ${[...fetched.keys()].join(', ')}`);
      const norm = dropKey ? drop[dropKey] : (r: Record<string, unknown>) => r;
      const fromPage = norm((await seen) as Record<string, unknown>);
      const fromCli = norm(await cli(args));
      const fromHttp = norm(await api<Record<string, unknown>>(url));
      assert.deepEqual(fromCli, fromPage, `CLI ${args[0]} = the console's ${url}`);
      assert.deepEqual(fromHttp, fromPage, `HTTP ${url}`);
      // Money stays exact decimal strings: every *_nano_usd field is an integer string.
      const walk = (v: unknown, key = ''): void => {
        if (Array.isArray(v)) v.forEach((x) => walk(x, key));
        else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
        else if (key.endsWith('nano_usd') && v !== '' && v !== null) assert.match(String(v), /^-?\d+$/, `${url} ${key}: ${String(v)}`);
        if (key.endsWith('nano_usd') && v !== null && typeof v !== 'object') assert.equal(typeof v, 'string', `${url} ${key} is a string`);
      };
      walk(fromPage);
    }
    // The budgets' forecast: the spend at the period's end at the rate since its start, as of the report.
    const b = await cli(['budgets', '--from', from, '--to', to]);
    const asOf = Date.parse(String(b.as_of));
    for (const x of b.budgets as { spent_nano_usd: string; forecast_nano_usd: string; period_start: string; period_end: string }[]) {
      const start = Date.parse(x.period_start), end = Date.parse(x.period_end);
      const elapsed = BigInt(Math.min(asOf, end) - start);
      assert.equal(x.forecast_nano_usd, (elapsed > 0n ? (BigInt(x.spent_nano_usd) * BigInt(end - start)) / elapsed : BigInt(x.spent_nano_usd)).toString());
    }
  });

  test('pages accept the configured staleness and say which resolver pass their figures are from', async () => {
    assert.deepEqual([...staleness], ['30'], 'every report and session read asked for max_staleness_s=30 (the default console.maxStalenessS)');
    assert.ok(![...resolvedAt].includes('none'), 'every answer named its pass');
    await page.goto(`${base}/#/prices`);
    await ready('prices');
    const shown = await page.getAttribute('#as-of', 'data-resolved-at');
    assert.ok(shown !== null && resolvedAt.has(shown), `the header names a pass the page read: ${shown}`);
    assert.match(await page.textContent('#as-of') ?? '', /^as of \d{2}:\d{2}:\d{2} UTC$/);
    assert.ok(Date.now() - Date.parse(shown!) < 5 * 60_000);
  });

  test('no URL the browser requested carries the credential, and nothing left this origin', () => {
    assert.ok(requested.length > 20, `${requested.length} requests`);
    for (const u of requested) {
      assert.ok(!u.includes(VIEWER) && !u.includes(encodeURIComponent(VIEWER)), u);
      assert.equal(new URL(u).origin, base, u);
    }
  });

  test('no page raised a script error or a CSP violation', () => {
    writeFileSync(path.join(ARTIFACTS, 'problems.txt'), problems.join('\n'));
    assert.deepEqual(problems, []);
  });
});
