// A trace drill-down on a large ledger, embedded chDB: the API's queries (the trace's spans,
// its calls resolved for duplicates and retries, the totals) over BENCH_CALLS calls
// (10 million by default, generated in ClickHouse; see generate-ledger.ts).
//
//   npm run bench:drilldown     (BENCH_CALLS=10000000 BENCH_LOOKUPS=20)
import { createDrilldownQueries } from '../src/ledger';
import { createWorkflowQueries } from '../src/reports';
import { CALLS_PER_TRACE, generateLedger } from './generate-ledger';

const CALLS = Number(process.env.BENCH_CALLS ?? 10_000_000);
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 20);

async function main(): Promise<void> {
  const ledger = await generateLedger(CALLS);
  try {
    const queries = createWorkflowQueries(createDrilldownQueries(ledger.storage.readonly, ledger.db));
    const times: number[] = [];
    let calls = 0;
    for (let i = 0; i < LOOKUPS; i++) {
      const id = Math.floor(((i + 0.5) / LOOKUPS) * ledger.traces).toString(16).padStart(32, '0');
      const s = performance.now();
      const result = await queries.trace(id);
      times.push(performance.now() - s);
      calls += Number(result?.totals.llm_calls ?? 0);
    }
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
    console.log(`ledger: ${CALLS.toLocaleString('en-US')} calls in ${ledger.traces.toLocaleString('en-US')} traces over 30 days (generated in ${ledger.loadS.toFixed(0)} s)`);
    console.log(`trace drill-down (spans + resolved calls + totals), ${LOOKUPS} traces: p50 ${pct(0.5)} ms, p90 ${pct(0.9)} ms, max ${times[times.length - 1]!.toFixed(1)} ms`);
    if (calls !== LOOKUPS * CALLS_PER_TRACE) throw new Error(`expected ${LOOKUPS * CALLS_PER_TRACE} calls, saw ${calls}`);
  } finally {
    await ledger.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
