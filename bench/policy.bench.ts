// Policy decisions over HTTP against `spanledger serve` (1,000 tenants with budgets), beside
// a no-op fastify route in its own process, in one run:
//   1. latency at a fixed rate (BENCH_RATE, default 2,000 req/s), evenly paced and measured
//      from each request's scheduled time (bench/paced-load.ts): p50 / p90 / p99;
//   2. the same rate through autocannon's -R mode, which sends each second's quota in a burst
//      at the start of the second (its latencies are those of the burst, printed for contrast);
//   3. throughput with the rate unbounded (autocannon): policy / no-op, and the server CPU
//      each request cost (from /proc), which the load generator's share of the two cores
//      does not blur.
//
//   npm run bench:policy   (BENCH_SECONDS=10 BENCH_RATE=2000 BENCH_CONNECTIONS=64)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { hashToken } from '../src/ownership';
import { startServe } from '../test/helpers/cli-process';
import { pacedLoad, type PacedResult } from './paced-load';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const TENANTS = 1000;
const GATEWAY = 'bench-gateway-token';

function writeRegistry(dir: string): string {
  const lines = ['tenants:'];
  for (let i = 0; i < TENANTS; i++) {
    lines.push(`  - { id: t${i}, team: team-${i % 50}, app: app-${i}, budget: { amount: "1000000" }, rateLimits: { requestsPerMinute: 1000000 }, allowedModels: ["openai/gpt-4o*", "anthropic/claude-*"] }`);
  }
  lines.push('senders:', `  - { id: gateway, token: "${hashToken(GATEWAY)}", gateway: true }`);
  const file = path.join(dir, 'registry.yaml');
  writeFileSync(file, lines.join('\n'));
  return file;
}

function startNoop(): Promise<{ port: number; pid: number; stop(): void }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'noop-server.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as { port?: number };
      if (m.port) resolve({ port: m.port, pid: child.pid!, stop: () => child.kill('SIGTERM') });
    });
  });
}

async function run(url: string, rate: number | undefined): Promise<autocannon.Result> {
  let n = 0;
  return autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    ...(rate ? { overallRate: rate } : {}),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY}` },
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ tenant_id: `t${n++ % TENANTS}`, provider: 'openai', model: 'gpt-4o-mini', estimated_input_tokens: 1200, max_tokens: 400, request_id: `r${n}` }),
        }),
      },
    ],
  });
}

/** CPU seconds (user + system) a process has used so far, or NaN where /proc is missing. */
function cpuSeconds(pid: number): number {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return NaN;
  const fields = readFileSync(stat, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const body = (i: number) =>
  JSON.stringify({ tenant_id: `t${i % TENANTS}`, provider: 'openai', model: 'gpt-4o-mini', estimated_input_tokens: 1200, max_tokens: 400, request_id: `p${i}` });

async function paced(url: string): Promise<PacedResult> {
  return pacedLoad({ url, rate: RATE, seconds: SECONDS, connections: CONNECTIONS, headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY}` }, body });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-policy-bench-'));
  const registry = writeRegistry(dir);
  const serve = await startServe(['--data-dir', path.join(dir, 'data'), '--registry', registry, '--log-level', 'info']);
  const noop = await startNoop();
  try {
    const decideUrl = `http://127.0.0.1:${serve.ports.api}/v1/policy/decide`;
    const noopUrl = `http://127.0.0.1:${noop.port}/noop`;
    await run(decideUrl, RATE); // warm-up
    const pacedPolicy = await paced(decideUrl);
    const pacedNoop = await paced(noopUrl);
    const fixedPolicy = await run(decideUrl, RATE);
    const fixedNoop = await run(noopUrl, RATE);
    const serveCpu0 = cpuSeconds(serve.child.pid!);
    const maxPolicy = await run(decideUrl, undefined);
    const serveCpu = cpuSeconds(serve.child.pid!) - serveCpu0;
    const noopCpu0 = cpuSeconds(noop.pid);
    const maxNoop = await run(noopUrl, undefined);
    const noopCpu = cpuSeconds(noop.pid) - noopCpu0;
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    const pacedLine = (name: string, r: PacedResult) =>
      `${name.padEnd(34)} p50 ${ms(r.fromSchedule.p50)}  p90 ${ms(r.fromSchedule.p90)}  p99 ${ms(r.fromSchedule.p99)}  max ${ms(r.fromSchedule.max)}  (from send: p99 ${ms(r.fromSend.p99)})  achieved ${Math.round(r.achievedRate)} req/s  non-2xx ${r.non2xx}  errors ${r.errors}`;
    const line = (name: string, r: autocannon.Result) =>
      `${name.padEnd(34)} p50 ${r.latency.p50.toFixed(2)} ms  p99 ${r.latency.p99.toFixed(2)} ms  achieved ${Math.round(r.requests.average)} req/s  non-2xx ${r.non2xx}  errors ${r.errors}  timeouts ${r.timeouts}`;
    const perRequestUs = (cpu: number, r: autocannon.Result) => (cpu * 1e6) / r.requests.total;
    console.log(`${TENANTS} tenants with budgets, rate limits and allowed models; each decision reserves the call's maximum cost`);
    console.log(`fixed rate ${RATE} req/s, evenly paced, latency from the scheduled send, ${CONNECTIONS} keep-alive sockets, ${SECONDS}s:`);
    console.log(pacedLine('  POST /v1/policy/decide', pacedPolicy));
    console.log(pacedLine('  no-op fastify route', pacedNoop));
    console.log(`autocannon -R ${RATE} (each second's requests sent as one burst), ${CONNECTIONS} connections, ${SECONDS}s:`);
    console.log(line('  POST /v1/policy/decide', fixedPolicy));
    console.log(line('  no-op fastify route', fixedNoop));
    console.log(`unbounded rate, ${CONNECTIONS} connections, ${SECONDS}s:`);
    console.log(`  policy ${Math.round(maxPolicy.requests.average)} req/s, no-op ${Math.round(maxNoop.requests.average)} req/s, ratio ${(maxPolicy.requests.average / maxNoop.requests.average).toFixed(2)}`);
    const pu = perRequestUs(serveCpu, maxPolicy);
    const nu = perRequestUs(noopCpu, maxNoop);
    console.log(`  server CPU per request: policy ${pu.toFixed(1)} us (whole process, ClickHouse threads included), no-op ${nu.toFixed(1)} us, ratio no-op/policy ${(nu / pu).toFixed(2)}`);
  } finally {
    noop.stop();
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
