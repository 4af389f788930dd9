// The console's pages on a large ledger: `spanledger serve` (embedded chDB) on a generated
// ledger of BENCH_CALLS calls (10 million by default) over the last 30 days, its console
// opened in Debian's headless Chromium, each page timed from its navigation to its last
// figure drawn (every API request it makes, rendering). 10,000 fresh calls land before each
// page load, as on a busy ledger, while the service runs its periodic resolver passes. The
// pages accept a pass up to `console.maxStalenessS` old (30 s by default; BENCH_MAX_STALENESS_S=0
// makes every report wait for a pass of its own). Prints each page's median and worst time
// against the 1 s target, how old the pass its figures came from was, and each API request's time.
//
//   npm run bench:console     (BENCH_CALLS=10000000 BENCH_ROUNDS=3 BENCH_FRESH_CALLS=10000)
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import pino from 'pino';
import { chromium } from 'playwright-core';
import { configSchema } from '../src/config';
import { startService } from '../src/service';
import { generateLedger, insertCalls } from './generate-ledger';

const CALLS = Number(process.env.BENCH_CALLS ?? 10_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Calls that land before each page load (about five seconds of a busy ledger's traffic); 0 for an idle ledger. */
const FRESH_CALLS = Number(process.env.BENCH_FRESH_CALLS ?? 10_000);
const TARGET_MS = 1000;
const MAX_STALENESS_S = process.env.BENCH_MAX_STALENESS_S === undefined ? undefined : Number(process.env.BENCH_MAX_STALENESS_S);
const VIEWER = 'bench-viewer-credential';
const PAGES = ['spend', 'workflows', 'session', 'trace', 'budgets', 'quality', 'prices'] as const;

/** The generated ledger's 100 tenants (t0..t99, tenant tN in team N mod 20), each with a day budget, and a month budget per team. */
function registryYaml(): string {
  const lines = ['tenants:'];
  for (let i = 0; i < 100; i++) lines.push(`  - { id: t${i}, team: team${i % 20}, app: app${i}, budget: { amount: "50", period: day, warnAtPercent: 80 } }`);
  lines.push('ownership:');
  for (let i = 0; i < 20; i++) lines.push(`  team${i}: { costCenter: CC-${1000 + i}, budget: { amount: "20000", period: month } }`);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const ledger = await generateLedger(CALLS);
  const registry = path.join(ledger.dir, '..', `${path.basename(ledger.dir)}-registry.yaml`);
  writeFileSync(registry, registryYaml());
  const cfg = configSchema.parse({
    host: '127.0.0.1', apiPort: 0, logLevel: 'silent',
    console: { viewerToken: VIEWER, ...(MAX_STALENESS_S === undefined ? {} : { maxStalenessS: MAX_STALENESS_S }) },
    receiver: { otlpGrpcPort: 0, otlpHttpPort: 0 },
    ledger: { dataDir: ledger.dir, database: ledger.db },
    ownership: { registry, allowUnauthenticated: true },
  });
  const service = await startService(cfg, pino({ level: 'silent' }));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    console.log(`ledger: ${CALLS.toLocaleString('en-US')} calls in ${ledger.traces.toLocaleString('en-US')} traces over 30 days (generated in ${ledger.loadS.toFixed(0)} s)`);
    let s = performance.now();
    await service.resolveMarks();
    console.log(`first resolver pass over the whole ledger (the service does this once): ${((performance.now() - s) / 1000).toFixed(1)} s`);
    let next = CALLS;
    // The generator stores every trace's root span within seconds, inside the resolver's
    // overlap window: the first pass after any new call re-resolves all of them and rebuilds
    // every day, once (a real ledger's recent root spans belong to recent days). Done here,
    // before the warm-up, so the timed rounds see the steady state.
    await insertCalls(service.storage.client, ledger.db, next, Math.max(FRESH_CALLS, 10), 600);
    next += Math.max(FRESH_CALLS, 10);
    s = performance.now();
    await service.resolveMarks();
    console.log(`the generator's catch-up (every day rebuilt once, by the periodic pass or this one): ${((performance.now() - s) / 1000).toFixed(1)} s`);
    const base = `http://127.0.0.1:${service.ports.api}`;
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
    await page.goto(`${base}/`);
    await page.fill('#token', VIEWER);
    await page.click('#sign-in button');
    await page.waitForSelector('#page[data-state="ready"][data-page="spend"]', { timeout: 600_000 });

    let sessionId = '';
    let traceId = '';
    const hashOf = (name: (typeof PAGES)[number]) =>
      name === 'session' ? `#/session/${encodeURIComponent(sessionId)}` : name === 'trace' ? `#/trace/${traceId}` : name === 'spend' ? '#/spend?by=team' : `#/${name}`;
    const times = new Map<string, number[]>();
    const ages = new Map<string, number[]>();
    const calls = new Map<string, number[]>();
    // Round 0 warms up (and finds a session and a trace to open); rounds 1.. are timed.
    for (let round = 0; round <= ROUNDS; round++) {
      for (const name of PAGES) {
        if (FRESH_CALLS > 0) await insertCalls(service.storage.client, ledger.db, next, FRESH_CALLS, 600);
        next += FRESH_CALLS;
        const r = await page.evaluate(async ({ hash, name }) => {
          const doc = (globalThis as any).document;
          const root = doc.getElementById('page');
          root.setAttribute('data-state', 'stale');
          (globalThis as any).performance.clearResourceTimings();
          const t0 = (globalThis as any).performance.now();
          await new Promise<void>((resolve, reject) => {
            const obs = new (globalThis as any).MutationObserver(() => {
              const state = root.getAttribute('data-state');
              if (state === 'ready' && root.getAttribute('data-page') === name) { obs.disconnect(); resolve(); }
              else if (state === 'error') { obs.disconnect(); reject(new Error(`${name}: ${root.textContent}`)); }
            });
            obs.observe(root, { attributes: true });
            (globalThis as any).location.hash = hash;
          });
          const ms = (globalThis as any).performance.now() - t0;
          const at = doc.getElementById('as-of').getAttribute('data-resolved-at');
          const ageMs = at ? Date.now() - Date.parse(at) : NaN;
          const requests = (globalThis as any).performance.getEntriesByType('resource')
            .filter((e: any) => new URL(e.name).pathname.startsWith('/v1/'))
            .map((e: any) => ({ path: new URL(e.name).pathname.replace(/\/(sessions|traces)\/[^/]+\/cost$/, '/$1/{id}/cost'), ms: e.duration as number }));
          return { ms, ageMs, requests };
        }, { hash: hashOf(name), name });
        if (name === 'workflows') sessionId = (await page.getAttribute('[data-testid="sessions"] tbody tr', 'data-session')) ?? '';
        if (name === 'session') traceId = (await page.getAttribute('[data-testid="traces"] tbody tr', 'data-trace')) ?? '';
        if (round === 0) continue;
        times.set(name, [...(times.get(name) ?? []), r.ms]);
        if (!Number.isNaN(r.ageMs)) ages.set(name, [...(ages.get(name) ?? []), r.ageMs]);
        for (const q of r.requests) calls.set(`${name.padEnd(9)} ${q.path}`, [...(calls.get(`${name.padEnd(9)} ${q.path}`) ?? []), q.ms]);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`\npage load (navigation to last figure drawn), ${ROUNDS} rounds, ${FRESH_CALLS.toLocaleString('en-US')} fresh calls before each, staleness accepted ${cfg.console.maxStalenessS} s, target ${TARGET_MS} ms;`);
    console.log('figures from: how long before the page was drawn the resolver pass it read started:');
    for (const name of PAGES) {
      const xs = times.get(name)!;
      const worst = Math.max(...xs);
      const age = ages.get(name);
      const from = age === undefined ? 'live (no pass read)' : `figures from ${(median(age) / 1000).toFixed(1)} s / ${(Math.max(...age) / 1000).toFixed(1)} s before`;
      console.log(`  ${name.padEnd(10)} median ${median(xs).toFixed(0).padStart(5)} ms  worst ${worst.toFixed(0).padStart(5)} ms  ${worst <= TARGET_MS ? 'within target' : 'OVER TARGET'}  ${from}`);
    }
    console.log(`\nAPI requests per page (${cfg.console.maxStalenessS === 0 ? 'each report and session route runs a resolver pass first' : 'reports accept a pass started within the staleness, else wait for one'}):`);
    for (const [k, xs] of calls) console.log(`  ${k.padEnd(42)} median ${median(xs).toFixed(0).padStart(5)} ms  worst ${Math.max(...xs).toFixed(0).padStart(5)} ms`);
  } finally {
    await browser.close();
    await service.stop();
    await ledger.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
