// End-to-end OTLP/HTTP ingest against `spanledger serve` on embedded storage, compared
// with decoding the same payload alone on one core, in the same run. Absolute numbers
// swing on shared machines; the ratio is what we track. Also measured: the embedded
// engine alone storing the same rows (the "storage floor"), the bound on any end-to-end run.
// Every stage gets a fresh database (or data directory), the engine's background merges are
// waited out before each measurement, the stages run in interleaved rounds and the median of
// each is reported; a run whose medians contradict each other (end-to-end faster than the
// storage it includes) is flagged and its ratios are not printed.
//
//   npm run bench:ingest   (BENCH_SECONDS=15 BENCH_CONCURRENCY=16 BENCH_ROUNDS=3 are the defaults)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { createNormalizer, defaultMappers } from '../src/normalize';
import { createAuthenticator, createResolver, hashToken, loadRegistryFile } from '../src/ownership';
import { createCatalog, createPriceBook, createPricer } from '../src/pricing';
import { readProtoExportRequest } from '../src/receiver';
import type { LlmCall } from '../src/pipeline';
import { startServe } from '../test/helpers/cli-process';
import { genAiPayload } from './payload';

const SPANS_PER_REQUEST = 512;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// Noise allowed before two figures count as contradicting each other.
const TOLERANCE = 1.1;
// Every stage runs this long before its clock starts.
const WARMUP_SECONDS = 2;
// The libuv thread pool every stage's process gets: the one `bin/spanledger.js` gives the service.
const THREADPOOL = process.env.UV_THREADPOOL_SIZE ?? '16';

function decodeOnly(payload: Buffer, seconds: number): number {
  let spans = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) spans += readProtoExportRequest(payload).spans.length;
  return spans / seconds;
}

function decodeAndNormalize(payload: Buffer, seconds: number): number {
  const normalizer = createNormalizer(defaultMappers());
  let calls = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) calls += normalizer.normalize(readProtoExportRequest(payload).spans).length;
  return calls / seconds;
}

/** A storage stage's figures: spans per second, and the cores its process used meanwhile. */
interface StageMeasured {
  spansPerSec: number;
  cores: number;
}

/**
 * Runs one storage stage (`bench/storage-stage.ts`: the ledger writer alone, or the storage
 * floor) in a fresh process on a fresh data directory, with the libuv thread pool the
 * service gets, so it runs under the same conditions as the service stages it is compared with.
 */
function runStage(stage: 'writer' | 'floor', payloadDir: string, seconds: number): Promise<StageMeasured> {
  const script = path.join(__dirname, 'storage-stage.js');
  const child = spawn(process.execPath, [script, stage, payloadDir, String(seconds), String(CONCURRENCY), String(WARMUP_SECONDS)], {
    env: { ...process.env, UV_THREADPOOL_SIZE: THREADPOOL },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`storage stage ${stage} exited with ${code}: ${out}`));
      else resolve(JSON.parse(last) as StageMeasured);
    });
  });
}

const TENANTS = 1000;
const SENDER_TOKEN = 'bench-collector-token';

/** A registry of TENANTS tenants, one sender each, and a shared collector placed by services rules. */
function writeRegistry(dir: string): string {
  const lines = ['tenants:'];
  for (let i = 0; i < TENANTS; i++) lines.push(`  - { id: t${i}, team: team-${i % 97}, app: app-${i}, feature: f${i % 13}, environment: prod }`);
  lines.push('senders:');
  for (let i = 0; i < TENANTS; i++) lines.push(`  - { id: s${i}, token: "${hashToken(`sender-${i}`)}", tenant: t${i} }`);
  lines.push(`  - { id: collector, token: "${hashToken(SENDER_TOKEN)}" }`);
  lines.push('services:');
  for (let i = 0; i < TENANTS; i++) lines.push(`  - { match: { service.name: svc-${i} }, tenant: t${i} }`);
  lines.push('  - { match: { service.name: search-api, k8s.namespace.name: search }, tenant: t500 }');
  const file = path.join(dir, 'registry.yaml');
  writeFileSync(file, lines.join('\n'));
  return file;
}

/** Ownership resolution alone: nanoseconds per call with the 1,000-tenant registry. */
function resolveNsPerCall(payload: Buffer, registryFile: string): number {
  const registry = loadRegistryFile(registryFile);
  const store = { current: () => registry };
  const context = createAuthenticator(store, false)(`Bearer ${SENDER_TOKEN}`);
  const resolve = createResolver(store);
  const calls: LlmCall[] = createNormalizer(defaultMappers()).normalize(readProtoExportRequest(payload).spans);
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < 2000) {
    resolve(calls, context);
    n += calls.length;
  }
  if (calls[0]?.owner?.tenant !== 't500') throw new Error('bench registry did not place the calls');
  return ((performance.now() - started) * 1e6) / n;
}

/** Pricing alone (catalog lookup cached per model, exact cost): nanoseconds per call. */
function priceNsPerCall(payload: Buffer): number {
  const price = createPricer(createPriceBook(createCatalog(), []), 'computed_or_reported');
  const calls: LlmCall[] = createNormalizer(defaultMappers()).normalize(readProtoExportRequest(payload).spans);
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < 2000) {
    price(calls);
    n += calls.length;
  }
  if (calls[0]?.cost?.status !== 'priced') throw new Error('bench calls were not priced');
  return ((performance.now() - started) * 1e6) / n;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function endToEnd(url: string, payloads: Buffer[], seconds: number, token?: string): Promise<{ spansPerSec: number; requests: number; refused: number }> {
  let spans = 0;
  let requests = 0;
  let refused = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async (w: number) => {
    let i = w;
    while (performance.now() < end) {
      const body = payloads[i++ % payloads.length]!;
      const headers: Record<string, string> = { 'content-type': 'application/x-protobuf' };
      if (token) headers.authorization = `Bearer ${token}`;
      const res = await fetch(url, { method: 'POST', body, headers });
      await res.arrayBuffer();
      requests++;
      if (res.status === 200) spans += SPANS_PER_REQUEST;
      else refused++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  return { spansPerSec: spans / ((performance.now() - started) / 1000), requests, refused };
}

async function main(): Promise<void> {
  // Distinct payloads so the ledger stores distinct calls, not replacements of one batch.
  const payloads = Array.from({ length: 64 }, () => genAiPayload(SPANS_PER_REQUEST));
  const workDir = mkdtempSync(path.join(tmpdir(), 'spanledger-bench-'));
  const registryFile = writeRegistry(workDir);
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  // The stage processes read the same payloads from here.
  const payloadDir = path.join(workDir, 'payloads');
  mkdirSync(payloadDir);
  payloads.forEach((p, i) => writeFileSync(path.join(payloadDir, `${String(i).padStart(3, '0')}.bin`), p));
  try {
    const storageSeconds = Math.min(SECONDS, 10);
    // Interleaved rounds, median of each: run order, disk state and the neighbours' load
    // otherwise decide more than the code does.
    const rounds = { open: [] as Measured[], owned: [] as Measured[], noSpool: [] as Measured[], writer: [] as StageMeasured[], floor: [] as StageMeasured[] };
    for (let round = 0; round < ROUNDS; round++) {
      rounds.writer.push(await runStage('writer', payloadDir, storageSeconds));
      rounds.floor.push(await runStage('floor', payloadDir, storageSeconds));
      rounds.open.push(await runService(['--data-dir', path.join(workDir, `open${round}`), '--allow-unauthenticated'], payloads));
      rounds.owned.push(await runService(['--data-dir', path.join(workDir, `owned${round}`), '--registry', registryFile], payloads, SENDER_TOKEN));
      rounds.noSpool.push(await runService(['--data-dir', path.join(workDir, `nospool${round}`), '--allow-unauthenticated', '--spool-max-bytes', '0'], payloads));
      for (const d of [path.join(workDir, `open${round}`), path.join(workDir, `owned${round}`), path.join(workDir, `nospool${round}`)]) rmSync(d, { recursive: true, force: true });
    }
    const open = medianBy(rounds.open);
    const owned = medianBy(rounds.owned);
    const noSpool = medianBy(rounds.noSpool);
    const writerRate = median(rounds.writer.map((m) => m.spansPerSec));
    const floorRate = median(rounds.floor.map((m) => m.spansPerSec));
    const decode = decodeOnly(payloads[0]!, Math.min(SECONDS, 5));
    const normalize = decodeAndNormalize(payloads[0]!, Math.min(SECONDS, 5));
    const resolveNs = resolveNsPerCall(payloads[0]!, registryFile);
    const priceNs = priceNsPerCall(payloads[0]!);
    const ratio = open.spansPerSec / decode;
    const ownedRatio = owned.spansPerSec / decode;
    const spread = (list: number[]) => `${ROUNDS} rounds: ${list.map(fmt).join(', ')}`;
    console.log(`payload: ${SPANS_PER_REQUEST} GenAI spans/request, ${(payloads[0]!.length / 1024).toFixed(0)} KiB, ~20 attributes/span; medians of ${ROUNDS} interleaved rounds; every stage in a fresh process with ${THREADPOOL} libuv threads`);
    console.log(`end-to-end, no registry (HTTP protobuf -> chDB, ${CONCURRENCY} senders, ${SECONDS}s): ${fmt(open.spansPerSec)} spans/s (${spread(rounds.open.map((m) => m.spansPerSec))}; ${open.refused} refused)`);
    console.log(`end-to-end, ${TENANTS}-tenant registry + sender auth:            ${fmt(owned.spansPerSec)} spans/s (${spread(rounds.owned.map((m) => m.spansPerSec))}; ${owned.refused} refused)`);
    console.log(`end-to-end, spool turned off:                          ${fmt(noSpool.spansPerSec)} spans/s (spool on: ${((open.spansPerSec / noSpool.spansPerSec - 1) * 100).toFixed(1)}% change)`);
    console.log(`decode only (one core):                ${fmt(decode)} spans/s`);
    console.log(`decode + normalize (one core):         ${fmt(normalize)} spans/s`);
    console.log(`ownership resolution (${TENANTS} tenants):   ${resolveNs.toFixed(0)} ns/call (${((resolveNs * decode) / 1e9 * 100).toFixed(1)}% of decode time per span)`);
    console.log(`pricing (catalog, exact nano-USD):     ${priceNs.toFixed(0)} ns/call (${((priceNs * open.spansPerSec) / 1e9 * 100).toFixed(1)}% of end-to-end time per span; included in both runs above)`);
    console.log(`ledger writes only (chDB, own process): ${fmt(writerRate)} spans/s (${spread(rounds.writer.map((m) => m.spansPerSec))}; ${median(rounds.writer.map((m) => m.cores)).toFixed(2)} cores)`);
    console.log(`storage floor (rows pre-encoded, chDB): ${fmt(floorRate)} spans/s (${spread(rounds.floor.map((m) => m.spansPerSec))}; ${median(rounds.floor.map((m) => m.cores)).toFixed(2)} cores): no end-to-end run can beat this`);
    const jsUsPerSpan = (open.cores.main * 1e6) / open.spansPerSec;
    const decodeUsPerSpan = 1e6 / decode;
    console.log(`service JavaScript CPU per span:       ${jsUsPerSpan.toFixed(1)} us (decode alone: ${decodeUsPerSpan.toFixed(1)} us; the rest is ours to shrink)`);
    // End-to-end includes the ledger writes, and the writes include the engine's inserts:
    // a faster stage than the one it contains means the machine changed under the run.
    const contradictions: string[] = [];
    if (open.spansPerSec > writerRate * TOLERANCE) contradictions.push(`end-to-end ${fmt(open.spansPerSec)} > ledger writes only ${fmt(writerRate)}`);
    if (open.spansPerSec > floorRate * TOLERANCE) contradictions.push(`end-to-end ${fmt(open.spansPerSec)} > storage floor ${fmt(floorRate)}`);
    if (writerRate > floorRate * TOLERANCE) contradictions.push(`ledger writes only ${fmt(writerRate)} > storage floor ${fmt(floorRate)}`);
    if (contradictions.length > 0) {
      console.log(`FLAGGED: these figures contradict each other (${contradictions.join('; ')}), so no ratio is printed: the machine's load or the engine's state changed between stages; run again on a quiet machine`);
      process.exitCode = 2;
    } else {
      console.log(`ratio end-to-end / decode-only:        ${ratio.toFixed(2)} (with registry: ${ownedRatio.toFixed(2)}, change ${(((ownedRatio - ratio) / ratio) * 100).toFixed(1)}%)`);
      console.log(`ratio end-to-end / ledger-writes-only: ${(open.spansPerSec / writerRate).toFixed(2)}`);
      console.log(`ratio storage floor / decode-only:     ${(floorRate / decode).toFixed(2)} (the most end-to-end / decode-only could reach on this machine with embedded storage)`);
    }
    console.log(`service peak RSS:                      ${open.rssMb.toFixed(0)} MiB (with registry: ${owned.rssMb.toFixed(0)} MiB)`);
    const cpuUs = ((open.cores.main + open.cores.other) * 1e6) / open.spansPerSec;
    console.log(
      `cores used, end-to-end:                service JS thread ${open.cores.main.toFixed(2)}, service other threads (ClickHouse, libuv, GC) ${open.cores.other.toFixed(2)}, senders ${open.benchCores.toFixed(2)} (machine: ${availableParallelism()}); service CPU ${cpuUs.toFixed(0)} us/span`,
    );
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

function median(list: number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The round whose throughput is the median (the lower middle one for an even count), with its other figures. */
function medianBy(list: Measured[]): Measured {
  const sorted = [...list].sort((a, b) => a.spansPerSec - b.spansPerSec);
  return sorted[(sorted.length - 1) >> 1]!;
}

/** Starts `spanledger serve`, warms up, measures, stops; returns throughput and peak RSS. */
interface Measured {
  spansPerSec: number;
  requests: number;
  refused: number;
  rssMb: number;
  /** Cores the service used during the measurement: its JS thread, and everything else (ClickHouse, libuv, GC). */
  cores: { main: number; other: number };
  /** Cores the bench process itself used meanwhile (the senders). */
  benchCores: number;
}

/** CPU seconds per thread group of a process: its main thread and the rest (Linux /proc; zeros elsewhere). */
function threadCpuS(pid: number): { main: number; other: number } {
  const out = { main: 0, other: 0 };
  const dir = `/proc/${pid}/task`;
  if (!existsSync(dir)) return out;
  for (const tid of readdirSync(dir)) {
    let stat: string;
    try {
      stat = readFileSync(`${dir}/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const s = (Number(fields[11]) + Number(fields[12])) / 100;
    if (tid === String(pid)) out.main += s;
    else out.other += s;
  }
  return out;
}

async function runService(args: string[], payloads: Buffer[], token?: string): Promise<Measured> {
  const serve = await startServe(args);
  try {
    const url = `http://127.0.0.1:${serve.ports.otlpHttp}/v1/traces`;
    await endToEnd(url, payloads, WARMUP_SECONDS, token);
    const before = threadCpuS(serve.child.pid!);
    const benchBefore = process.cpuUsage();
    const started = performance.now();
    const result = await endToEnd(url, payloads, SECONDS, token);
    const elapsedS = (performance.now() - started) / 1000;
    const after = threadCpuS(serve.child.pid!);
    const bench = process.cpuUsage(benchBefore);
    return {
      ...result,
      rssMb: peakRssMb(serve.child.pid!),
      cores: { main: (after.main - before.main) / elapsedS, other: (after.other - before.other) / elapsedS },
      benchCores: (bench.user + bench.system) / 1e6 / elapsedS,
    };
  } finally {
    await serve.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
