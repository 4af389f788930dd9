// A flood of report and drill-down readers on a large ledger while a sender exports:
// `spanledger serve` (embedded chDB) on a generated ledger of BENCH_CALLS calls (10 million
// by default), BENCH_READERS requests at once (200: session lists and session costs over
// periods with partial days, FOCUS and audit over whole days), with one sender exporting
// 100-span batches back to back until the flood is over. Run twice in one process on the same
// ledger: with the default report lane (4 at once, 64 waiting) and with a wide one (64 at once,
// 10,000 waiting), each on a fresh service. Prints what the readers got, the process's peak
// RSS, and the sender's exports (status, p50 and worst latency).
//
//   npm run bench:report-flood     (BENCH_CALLS=10000000 BENCH_READERS=200)
import pino from 'pino';
import { configSchema } from '../src/config';
import { startService } from '../src/service';
import { encodeRequest, newSpanId, newTraceId } from '../test/helpers/payloads';
import { generateLedger, insertCalls } from './generate-ledger';

const CALLS = Number(process.env.BENCH_CALLS ?? 10_000_000);
const READERS = Number(process.env.BENCH_READERS ?? 200);
const TOKEN = 'bench-admin-token';
const DAY_MS = 86_400_000;

const LANES: [string, Record<string, number>][] = [
  ['default lane (4 at once, 64 waiting)', {}],
  ['wide lane (64 at once, 10,000 waiting)', { maxConcurrentRequests: 64, maxQueuedRequests: 10_000 }],
];

/** Reader i's request: partial-day periods for the session routes, whole days for the reports. */
function readerPath(i: number, nowMs: number): string {
  const from = new Date(nowMs - 29 * DAY_MS + i * 1000).toISOString();
  const to = new Date(nowMs - 3_600_000 * (i % 24)).toISOString();
  const paths = [
    `/v1/sessions?from=${from}&to=${to}`,
    `/v1/sessions/s${i * 1000}/cost?from=${from}&to=${to}`,
    `/v1/reports/focus?from=${from.slice(0, 10)}&to=${to.slice(0, 10)}`,
    `/v1/reports/audit?from=${from.slice(0, 10)}&to=${to.slice(0, 10)}`,
  ];
  return paths[i % paths.length]!;
}

async function main(): Promise<void> {
  const ledger = await generateLedger(CALLS);
  console.log(`ledger: ${CALLS.toLocaleString('en-US')} calls over 30 days (generated in ${ledger.loadS.toFixed(0)} s); ${READERS} readers at once`);
  try {
    for (const [label, reports] of LANES) {
      const cfg = configSchema.parse({
        host: '127.0.0.1', apiPort: 0, adminToken: TOKEN, logLevel: 'silent',
        receiver: { otlpGrpcPort: 0, otlpHttpPort: 0 }, ledger: { dataDir: ledger.dir, database: ledger.db },
        ownership: { allowUnauthenticated: true }, reports,
      });
      const service = await startService(cfg, pino({ level: 'silent' }));
      try {
        await service.resolveMarks();
        if (label === LANES[0]![0]) {
          // The generator's one catch-up: its root spans all sit in the resolver's overlap
          // window, so the first pass after a new call rebuilds every day once (see console.bench.ts).
          await insertCalls(service.storage.client, ledger.db, CALLS, 10, 60);
          await service.resolveMarks();
        }
        let peakRss = 0;
        const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 50);
        let flooding = true;
        const exports: { status: number; ms: number }[] = [];
        const sender = (async () => {
          while (flooding) {
            const spans = Array.from({ length: 100 }, () => ({
              traceId: newTraceId(), spanId: newSpanId(), name: 'chat gpt-4o-mini',
              attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 1 },
            }));
            const s = performance.now();
            const res = await fetch(`http://127.0.0.1:${service.ports.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeRequest(spans, 'web') });
            await res.arrayBuffer();
            exports.push({ status: res.status, ms: performance.now() - s });
          }
        })();
        const started = performance.now();
        const nowMs = Date.now();
        const outcomes = await Promise.all(Array.from({ length: READERS }, async (_v, i) => {
          const res = await fetch(`http://127.0.0.1:${service.ports.api}${readerPath(i, nowMs)}`, { headers: { authorization: `Bearer ${TOKEN}` } });
          await res.arrayBuffer();
          return { status: res.status, ms: performance.now() - started };
        }));
        const floodS = (performance.now() - started) / 1000;
        flooding = false;
        await sender;
        clearInterval(sampler);
        const byStatus = (xs: { status: number }[]) => [...new Set(xs.map((x) => x.status))].sort().map((st) => `${st}: ${xs.filter((x) => x.status === st).length}`).join(', ');
        const refused = outcomes.filter((o) => o.status === 503).map((o) => o.ms).sort((a, b) => a - b);
        const lat = exports.map((e) => e.ms).sort((a, b) => a - b);
        console.log(`\n${label}`);
        console.log(`  readers: ${byStatus(outcomes)}; the flood lasted ${floodS.toFixed(1)} s${refused.length > 0 ? `; refusals after ${(refused[0]! / 1000).toFixed(1)} to ${(refused[refused.length - 1]! / 1000).toFixed(1)} s` : ''}`);
        console.log(`  peak RSS ${Math.round(peakRss / 1e6)} MB`);
        console.log(`  sender: ${exports.length} exports (${byStatus(exports)}), p50 ${lat[Math.floor(lat.length / 2)]!.toFixed(0)} ms, worst ${lat[lat.length - 1]!.toFixed(0)} ms`);
      } finally {
        await service.stop();
      }
    }
  } finally {
    await ledger.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
