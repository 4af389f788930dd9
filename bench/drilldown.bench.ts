// A trace drill-down on a large ledger, embedded chDB: the API's two queries (the trace's
// spans, and its calls resolved for duplicates and retries) over BENCH_CALLS calls
// (10 million by default) spread over 30 days, ten calls and two more spans per trace.
// Rows are generated inside ClickHouse (INSERT ... SELECT FROM numbers), not sent.
//
//   npm run bench:drilldown     (BENCH_CALLS=10000000 BENCH_LOOKUPS=20)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { configSchema } from '../src/config';
import { createWorkflowViews, migrate, openStorage } from '../src/ledger';
import { createWorkflowQueries } from '../src/reports';

const CALLS = Number(process.env.BENCH_CALLS ?? 10_000_000);
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 20);
const CALLS_PER_TRACE = 10;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-drill-'));
  const cfg = configSchema.parse({ ledger: { dataDir: dir, database: 'bench' } });
  const storage = await openStorage(cfg.ledger);
  try {
    const db = cfg.ledger.database;
    await migrate(storage.client, db);
    await createWorkflowViews(storage.client, db, { duplicateWinner: 'gateway', retryWindowS: 60 });
    const traces = Math.ceil(CALLS / CALLS_PER_TRACE);
    const started = performance.now();
    // Trace t: id hex(t) padded, calls start within 30 days; each trace has a root span and a tool span.
    const traceId = `leftPad(lower(hex(intDiv(number, ${CALLS_PER_TRACE}))), 32, '0')`;
    const at = `now64(9) - toIntervalSecond(intDiv(number, ${CALLS_PER_TRACE}) % (30 * 86400))`;
    await storage.client.command({
      query: `INSERT INTO ${db}.llm_calls (timestamp, end_timestamp, trace_id, span_id, parent_span_id, session_id, provider, request_model, response_model,
          input_tokens, output_tokens, status_code, is_failed, tenant, team, feature, sender_kind, cost_nano_usd, pricing_status)
        SELECT ${at} + toIntervalMillisecond(number % ${CALLS_PER_TRACE} * 100), ${at} + toIntervalMillisecond(number % ${CALLS_PER_TRACE} * 100 + 80),
          ${traceId}, leftPad(lower(hex(number)), 16, '0'), leftPad(lower(hex(intDiv(number, ${CALLS_PER_TRACE}) + 1000000000000)), 16, '0'),
          concat('s', toString(intDiv(number, 50))), 'openai', 'gpt-4o-mini', 'gpt-4o-mini', 1000 + number % 500, 100 + number % 50,
          if(number % 97 = 0, 'error', 'ok'), number % 97 = 0, concat('t', toString(number % 100)), concat('team', toString(number % 20)),
          'chat', 'service', 150000 + number % 1000, 'priced'
        FROM numbers(${CALLS})`,
    });
    await storage.client.command({
      query: `INSERT INTO ${db}.spans (timestamp, end_timestamp, trace_id, span_id, parent_span_id, name, kind, status_code, duration_ms, service_name, is_llm_call)
        SELECT ${at}, ${at} + toIntervalSecond(2), leftPad(lower(hex(number)), 32, '0'),
          leftPad(lower(hex(number + 1000000000000)), 16, '0'), '', 'POST /chat', 'server', 'ok', 2000, 'web', 0
        FROM (SELECT number, number * ${CALLS_PER_TRACE} AS n0 FROM numbers(${traces}))`.replace(/intDiv\(number, \d+\)/g, 'number'),
    });
    const loadS = (performance.now() - started) / 1000;
    const queries = createWorkflowQueries(storage.readonly, db);
    const times: number[] = [];
    let calls = 0;
    for (let i = 0; i < LOOKUPS; i++) {
      const t = Math.floor(((i + 0.5) / LOOKUPS) * traces);
      const id = t.toString(16).padStart(32, '0');
      const s = performance.now();
      const result = await queries.trace(id);
      times.push(performance.now() - s);
      calls += Number(result?.totals.llm_calls ?? 0);
    }
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
    console.log(`ledger: ${CALLS.toLocaleString('en-US')} calls in ${traces.toLocaleString('en-US')} traces over 30 days (generated in ${loadS.toFixed(0)} s)`);
    console.log(`trace drill-down (spans + resolved calls + totals), ${LOOKUPS} random traces: p50 ${pct(0.5)} ms, p90 ${pct(0.9)} ms, max ${times[times.length - 1]!.toFixed(1)} ms`);
    if (calls !== LOOKUPS * CALLS_PER_TRACE) throw new Error(`expected ${LOOKUPS * CALLS_PER_TRACE} calls, saw ${calls}`);
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
