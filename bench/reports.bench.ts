// Chargeback, audit and quality over a large ledger on embedded chDB, each timed:
// BENCH_CALLS calls (10 million by default) over the last 30 days, generated in ClickHouse.
//
//   npm run bench:reports     (BENCH_CALLS=10000000)
import { createMarkResolver } from '../src/ledger';
import { audit, chargeback, parsePeriod, quality } from '../src/reports';
import { generateLedger } from './generate-ledger';

const CALLS = Number(process.env.BENCH_CALLS ?? 10_000_000);

async function main(): Promise<void> {
  const ledger = await generateLedger(CALLS);
  try {
    const client = ledger.storage.readonly;
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
    await timed('resolve all', () => createMarkResolver(ledger.storage.client, ledger.db).resolve());
    await timed('resolve noop', () => createMarkResolver(ledger.storage.client, ledger.db).resolve());
    await timed('chargeback', () => chargeback(client, ledger.db, period, ['team', 'app', 'feature', 'model'], () => ({ costCenter: '', businessUnit: '', transferMultiplier: '1.1' })));
    await timed('audit', () => audit(client, ledger.db, period));
    await timed('quality', () => quality(client, ledger.db, period));
  } finally {
    await ledger.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
