// Policy decisions over HTTP against `spanledger serve` (1,000 tenants with budgets), beside
// a no-op fastify route in its own process, in one run:
//   1. latency at a fixed rate (BENCH_RATE, default 2,000 req/s), evenly paced and measured
//      from each request's scheduled time (bench/paced-load.ts): p50 / p90 / p99, in
//      BENCH_PACED_ROUNDS interleaved rounds with the order alternating (a run right after
//      a burst of load measured worse than the same run after a calm one, whichever route
//      it was), the median round's p99 being the result;
//   2. the same rate through autocannon's -R mode, which sends each second's quota in a burst
//      at the start of the second (its latencies are those of the burst, printed for contrast);
//   3. throughput with the rate unbounded (autocannon): policy / no-op in interleaved rounds
//      (the order alternating), so that the machine's speed drifting between two long runs
//      does not decide the ratio; the median round is the result. Also the server CPU each
//      request cost (from /proc), which the load generator's share of the two cores does
//      not blur.
//
//   4. the same for Envoy ext_authz gRPC Check (`policy.extAuthz.grpcPort`) against a no-op
//      gRPC Check handler in its own process (bench/noop-grpc-server.ts): paced latency at
//      BENCH_RATE and the throughput ratio with BENCH_GRPC_IN_FLIGHT calls outstanding.
//      Each CheckRequest is built with Envoy's own definitions and carries the tenant token,
//      the model header, x-request-id and a forwarded body (max_tokens 400, a 4,800-character
//      prompt: the same estimate as the JSON requests).
//
//   npm run bench:policy   (BENCH_SECONDS=10 BENCH_RATE=2000 BENCH_CONNECTIONS=64 BENCH_PACED_ROUNDS=3 BENCH_ROUNDS=5 BENCH_ROUND_SECONDS=4)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { hashToken } from '../src/ownership';
import { startServe } from '../test/helpers/cli-process';
import * as grpc from '@grpc/grpc-js';
import { envoyTypes } from '../test/helpers/envoy-authz';
import { pacedGrpc, unboundedGrpc } from './grpc-load';
import { pacedLoad, type PacedResult } from './paced-load';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const PACED_ROUNDS = Number(process.env.BENCH_PACED_ROUNDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 4);
const TENANTS = 1000;
const GATEWAY = 'bench-gateway-token';
const GRPC_CHANNELS = Number(process.env.BENCH_GRPC_CHANNELS ?? 4);
const GRPC_IN_FLIGHT = Number(process.env.BENCH_GRPC_IN_FLIGHT ?? 64);

function writeRegistry(dir: string): string {
  const lines = ['tenants:'];
  for (let i = 0; i < TENANTS; i++) {
    lines.push(`  - { id: t${i}, team: team-${i % 50}, app: app-${i}, tokens: ["${hashToken(`sk-t${i}`)}"], budget: { amount: "1000000" }, rateLimits: { requestsPerMinute: 1000000 }, allowedModels: ["openai/gpt-4o*", "anthropic/claude-*"] }`);
  }
  lines.push('senders:', `  - { id: gateway, token: "${hashToken(GATEWAY)}", gateway: true }`);
  const file = path.join(dir, 'registry.yaml');
  writeFileSync(file, lines.join('\n'));
  return file;
}

function startNoop(script = 'noop-server.js'): Promise<{ port: number; pid: number; stop(): void }> {
  const child = spawn(process.execPath, [path.join(__dirname, script)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as { port?: number };
      if (m.port) resolve({ port: m.port, pid: child.pid!, stop: () => child.kill('SIGTERM') });
    });
  });
}

async function run(url: string, rate: number | undefined, seconds = SECONDS): Promise<autocannon.Result> {
  let n = 0;
  return autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
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
  const serve = await startServe(['--data-dir', path.join(dir, 'data'), '--registry', registry, '--log-level', 'info', '--ext-authz-grpc-port', '0']);
  const noop = await startNoop();
  const noopGrpc = await startNoop('noop-grpc-server.js');
  const noopH2 = await startNoop('noop-h2-server.js');
  try {
    const decideUrl = `http://127.0.0.1:${serve.ports.api}/v1/policy/decide`;
    const noopUrl = `http://127.0.0.1:${noop.port}/noop`;
    await run(decideUrl, RATE); // warm-up
    await run(noopUrl, RATE);
    const pacedRounds: { policy: PacedResult; noop: PacedResult }[] = [];
    for (let i = 0; i < PACED_ROUNDS; i++) {
      const policyFirst = i % 2 === 1;
      const first = await paced(policyFirst ? decideUrl : noopUrl);
      const second = await paced(policyFirst ? noopUrl : decideUrl);
      pacedRounds.push(policyFirst ? { policy: first, noop: second } : { policy: second, noop: first });
    }
    const fixedPolicy = await run(decideUrl, RATE);
    const fixedNoop = await run(noopUrl, RATE);
    type Round = { policy: number; noop: number; policyUs: number; noopUs: number };
    const rounds: Round[] = [];
    const unbounded = async (url: string, pid: number) => {
      const cpu0 = cpuSeconds(pid);
      const r = await run(url, undefined, ROUND_SECONDS);
      return { rate: r.requests.average, us: ((cpuSeconds(pid) - cpu0) * 1e6) / r.requests.total };
    };
    for (let i = 0; i < ROUNDS; i++) {
      const first = i % 2 === 0 ? 'policy' : 'noop';
      const a = await unbounded(first === 'policy' ? decideUrl : noopUrl, first === 'policy' ? serve.child.pid! : noop.pid);
      const b = await unbounded(first === 'policy' ? noopUrl : decideUrl, first === 'policy' ? noop.pid : serve.child.pid!);
      const [p, q] = first === 'policy' ? [a, b] : [b, a];
      rounds.push({ policy: p.rate, noop: q.rate, policyUs: p.us, noopUs: q.us });
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    const pacedLine = (name: string, r: PacedResult) =>
      `${name.padEnd(34)} p50 ${ms(r.fromSchedule.p50)}  p90 ${ms(r.fromSchedule.p90)}  p99 ${ms(r.fromSchedule.p99)}  max ${ms(r.fromSchedule.max)}  (from send: p99 ${ms(r.fromSend.p99)})  achieved ${Math.round(r.achievedRate)} req/s  non-2xx ${r.non2xx}  errors ${r.errors}`;
    const line = (name: string, r: autocannon.Result) =>
      `${name.padEnd(34)} p50 ${r.latency.p50.toFixed(2)} ms  p99 ${r.latency.p99.toFixed(2)} ms  achieved ${Math.round(r.requests.average)} req/s  non-2xx ${r.non2xx}  errors ${r.errors}  timeouts ${r.timeouts}`;
    console.log(`${TENANTS} tenants with budgets, rate limits and allowed models; each decision reserves the call's maximum cost`);
    console.log(`fixed rate ${RATE} req/s, evenly paced, latency from the scheduled send, ${CONNECTIONS} keep-alive sockets, ${PACED_ROUNDS} interleaved rounds of ${SECONDS}s:`);
    for (const [i, r] of pacedRounds.entries()) {
      console.log(`  round ${i + 1} (${i % 2 === 1 ? 'policy' : 'no-op'} first):`);
      console.log(pacedLine('    POST /v1/policy/decide', r.policy));
      console.log(pacedLine('    no-op fastify route', r.noop));
    }
    const p99 = (pick: (r: (typeof pacedRounds)[number]) => PacedResult) => ms(median(pacedRounds.map((r) => pick(r).fromSchedule.p99)));
    const p99Send = (pick: (r: (typeof pacedRounds)[number]) => PacedResult) => ms(median(pacedRounds.map((r) => pick(r).fromSend.p99)));
    console.log(`  median p99: decide ${p99((r) => r.policy)} (from send ${p99Send((r) => r.policy)}), no-op ${p99((r) => r.noop)} (from send ${p99Send((r) => r.noop)}) (target: decide under 5 ms)`);
    console.log(`autocannon -R ${RATE} (each second's requests sent as one burst), ${CONNECTIONS} connections, ${SECONDS}s:`);
    console.log(line('  POST /v1/policy/decide', fixedPolicy));
    console.log(line('  no-op fastify route', fixedNoop));
    console.log(`unbounded rate, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${ROUND_SECONDS}s each:`);
    for (const [i, r] of rounds.entries()) {
      console.log(`  round ${i + 1}: policy ${Math.round(r.policy)} req/s, no-op ${Math.round(r.noop)} req/s, ratio ${(r.policy / r.noop).toFixed(2)}; server CPU per request ${r.policyUs.toFixed(1)} / ${r.noopUs.toFixed(1)} us`);
    }
    const ratio = median(rounds.map((r) => r.policy / r.noop));
    const pu = median(rounds.map((r) => r.policyUs));
    const nu = median(rounds.map((r) => r.noopUs));
    console.log(`  median throughput ratio policy/no-op ${ratio.toFixed(2)} (target 0.60)`);
    console.log(`  median server CPU per request: policy ${pu.toFixed(1)} us (whole process, ClickHouse threads included), no-op ${nu.toFixed(1)} us, ratio no-op/policy ${(nu / pu).toFixed(2)}`);
    await grpcSection(`127.0.0.1:${(serve.ports as { extAuthzGrpc?: number }).extAuthzGrpc}`, serve.child.pid!, `127.0.0.1:${noopGrpc.port}`, noopGrpc.pid, `127.0.0.1:${noopH2.port}`);
  } finally {
    noopGrpc.stop();
    noopH2.stop();
    noop.stop();
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * ext_authz gRPC Check against spanledger and against the no-op gRPC handler, interleaved as
 * above; the paced rounds also load a bare `node:http2` no-op (`h2Addr`), the floor set by
 * HTTP/2 on this machine and the load generator, below any gRPC handler.
 */
async function grpcSection(checkAddr: string, checkPid: number, noopAddr: string, noopPid: number, h2Addr: string): Promise<void> {
  const envoy = envoyTypes();
  const body = JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 400, messages: [{ role: 'user', content: 'x'.repeat(4800) }] });
  let seq = 0;
  const request = () => {
    const i = seq++;
    const id = `g${i}`;
    return envoy.encodeRequest({ attributes: { request: { http: { id, method: 'POST', path: '/v1/chat/completions', headers: { authorization: `Bearer sk-t${i % TENANTS}`, 'x-ai-eg-model': 'openai/gpt-4o-mini', 'x-request-id': id, 'content-type': 'application/json' }, body } } } });
  };
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${GATEWAY}`);
  const paced = (address: string) => pacedGrpc({ address, rate: RATE, seconds: SECONDS, channels: GRPC_CHANNELS, metadata, request });
  const unbounded = async (address: string, pid: number) => {
    const cpu0 = cpuSeconds(pid);
    const r = await unboundedGrpc({ address, seconds: ROUND_SECONDS, channels: GRPC_CHANNELS, inFlight: GRPC_IN_FLIGHT, metadata, request });
    return { ...r, us: ((cpuSeconds(pid) - cpu0) * 1e6) / r.total };
  };
  await unbounded(checkAddr, checkPid); // warm-up
  await unbounded(noopAddr, noopPid);
  await paced(h2Addr); // warm-up of the bare HTTP/2 no-op
  const pacedRounds: { policy: PacedResult; noop: PacedResult; h2: PacedResult }[] = [];
  const targets = ['noop', 'policy', 'h2'] as const;
  for (let i = 0; i < PACED_ROUNDS; i++) {
    // Each target leads in turn, so none always runs first.
    const got: Partial<Record<(typeof targets)[number], PacedResult>> = {};
    for (let k = 0; k < targets.length; k++) {
      const t = targets[(k + i) % targets.length]!;
      got[t] = await paced(t === 'policy' ? checkAddr : t === 'noop' ? noopAddr : h2Addr);
    }
    pacedRounds.push({ policy: got.policy!, noop: got.noop!, h2: got.h2! });
  }
  const rounds: { policy: number; noop: number; policyUs: number; noopUs: number; failed: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const policyFirst = i % 2 === 0;
    const a = await unbounded(policyFirst ? checkAddr : noopAddr, policyFirst ? checkPid : noopPid);
    const b = await unbounded(policyFirst ? noopAddr : checkAddr, policyFirst ? noopPid : checkPid);
    const [p, q] = policyFirst ? [a, b] : [b, a];
    rounds.push({ policy: p.rate, noop: q.rate, policyUs: p.us, noopUs: q.us, failed: p.failed + q.failed });
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const ms = (v: number) => `${v.toFixed(2)} ms`;
  const pacedLine = (name: string, r: PacedResult) =>
    `${name.padEnd(34)} p50 ${ms(r.fromSchedule.p50)}  p90 ${ms(r.fromSchedule.p90)}  p99 ${ms(r.fromSchedule.p99)}  max ${ms(r.fromSchedule.max)}  (from send: p99 ${ms(r.fromSend.p99)})  achieved ${Math.round(r.achievedRate)} req/s  failed ${r.non2xx}`;
  console.log(`ext_authz gRPC Check, fixed rate ${RATE} req/s, evenly paced, latency from the scheduled send, ${GRPC_CHANNELS} channels, ${PACED_ROUNDS} interleaved rounds of ${SECONDS}s:`);
  for (const [i, r] of pacedRounds.entries()) {
    console.log(`  round ${i + 1} (${['no-op', 'policy', 'bare HTTP/2'][i % 3]} first):`);
    console.log(pacedLine('    Authorization/Check', r.policy));
    console.log(pacedLine('    no-op gRPC Check', r.noop));
    console.log(pacedLine('    bare node:http2 no-op', r.h2));
  }
  const p99 = (pick: (r: (typeof pacedRounds)[number]) => PacedResult) => ms(median(pacedRounds.map((r) => pick(r).fromSchedule.p99)));
  const p99Send = (pick: (r: (typeof pacedRounds)[number]) => PacedResult) => ms(median(pacedRounds.map((r) => pick(r).fromSend.p99)));
  console.log(`  median p99: Check ${p99((r) => r.policy)} (from send ${p99Send((r) => r.policy)}), no-op ${p99((r) => r.noop)} (from send ${p99Send((r) => r.noop)}), bare HTTP/2 ${p99((r) => r.h2)} (from send ${p99Send((r) => r.h2)}) (target: Check under 5 ms; none can beat the bare HTTP/2 floor)`);
  console.log(`ext_authz gRPC Check, unbounded rate, ${GRPC_IN_FLIGHT} calls in flight over ${GRPC_CHANNELS} channels, ${ROUNDS} interleaved rounds of ${ROUND_SECONDS}s each:`);
  for (const [i, r] of rounds.entries()) {
    console.log(`  round ${i + 1}: Check ${Math.round(r.policy)} req/s, no-op ${Math.round(r.noop)} req/s, ratio ${(r.policy / r.noop).toFixed(2)}; server CPU per call ${r.policyUs.toFixed(1)} / ${r.noopUs.toFixed(1)} us; failed ${r.failed}`);
  }
  console.log(`  median throughput ratio Check/no-op ${median(rounds.map((r) => r.policy / r.noop)).toFixed(2)} (target 0.60)`);
  console.log(`  median server CPU per call: Check ${median(rounds.map((r) => r.policyUs)).toFixed(1)} us, no-op ${median(rounds.map((r) => r.noopUs)).toFixed(1)} us`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
