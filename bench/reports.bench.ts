// Chargeback, audit and quality over a large ledger on embedded chDB, each timed:
// BENCH_CALLS calls (10 million by default) over the last 30 days, generated in ClickHouse.
// Reports read the daily rollups the mark resolver keeps; as in the service, each report
// here runs the resolver first, so its time includes rebuilding the days that changed.
//
//   npm run bench:reports     (BENCH_CALLS=10000000)
import { createMarkResolver, createPolicyStore, createReportQueries } from '../src/ledger';
import { audit, chargeback, parsePeriod, quality } from '../src/reports';
import { generateLedger, insertCalls } from './generate-ledger';

const CALLS = Number(process.env.BENCH_CALLS ?? 10_000_000);
/** Calls that land between two reports (about five seconds of a busy ledger's traffic). */
const FRESH_CALLS = 10_000;

async function main(): Promise<void> {
  const ledger = await generateLedger(CALLS);
  try {
    const queries = createReportQueries(ledger.storage.readonly, ledger.storage.client, ledger.db);
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const period = parsePeriod({ from: day(-31), to: day(1) });
    const timed = async (name: string, run: () => Promise<unknown>) => {
      const s = performance.now();
      await run();
      const ms = performance.now() - s;
      console.log(`${name.padEnd(12)} ${(ms / 1000).toFixed(2)} s`);
      return ms;
    };
    console.log(`ledger: ${CALLS.toLocaleString('en-US')} calls over 30 days (generated in ${ledger.loadS.toFixed(0)} s); period ${period.label}`);
    // The service resolves duplicates and retries incrementally; here the whole ledger is new at once.
    const resolver = createMarkResolver(ledger.storage.client, ledger.db);
    await timed('resolve all', () => resolver.resolve());
    await timed('resolve noop', () => resolver.resolve());
    const reports = {
      chargeback: () => chargeback(queries, period, ['team', 'app', 'feature', 'model'], () => ({ costCenter: '', businessUnit: '', transferMultiplier: '1.1' })),
      audit: () => audit(queries, period),
      quality: () => quality(queries, period),
    };
    // Steady state: a few seconds of new traffic landed since the last pass (today's day is
    // rebuilt by the resolver the report runs first). The first pass after the bulk load
    // re-reads the load's last 10 s (the resolver's overlap for out-of-order commits), so it
    // is timed apart.
    let next = CALLS;
    await insertCalls(ledger.storage.client, ledger.db, next, FRESH_CALLS, 600);
    next += FRESH_CALLS;
    await timed('resolve +10k', () => resolver.resolve());
    for (const [name, run] of Object.entries(reports)) {
      await insertCalls(ledger.storage.client, ledger.db, next, FRESH_CALLS, 600);
      next += FRESH_CALLS;
      let resolveMs = 0;
      const total = await timed(name, async () => {
        const s = performance.now();
        const r = await resolver.resolve();
        resolveMs = performance.now() - s;
        if (r.daysRebuilt < 1) throw new Error('the fresh calls should have made a day dirty');
        return run();
      });
      console.log(`${''.padEnd(12)} of which resolver pass ${(resolveMs / 1000).toFixed(2)} s, report ${((total - resolveMs) / 1000).toFixed(2)} s`);
    }
    // The policy's background refresh reads the budget period's spend every few seconds:
    // closed days from the daily rollup, the rest from the calls. Passing the period's start
    // as "now" leaves no day closed, which is the calls-only read it replaced.
    const store = createPolicyStore(ledger.storage.client, ledger.db);
    const monthStart = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1);
    const nowMs = Date.now();
    const withRollup = await timed('policy spend', () => store.spend(monthStart, nowMs + 86_400_000, nowMs));
    const callsOnly = await timed('  calls only', () => store.spend(monthStart, nowMs + 86_400_000, monthStart));
    console.log(`${''.padEnd(12)} month to date; the rollup read takes ${(withRollup / callsOnly).toFixed(2)} of the calls-only read`);
  } finally {
    await ledger.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
