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
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { configSchema } from '../src/config';
import { createLedgerWriter, migrate, openStorage } from '../src/ledger';
import { createNormalizer, defaultMappers } from '../src/normalize';
import { createAuthenticator, createOwnershipStage, createResolver, emptyRegistry, hashToken, loadRegistryFile } from '../src/ownership';
import { createCatalog, createPriceBook, createPricer, createPricingStage } from '../src/pricing';
import { readProtoExportRequest } from '../src/receiver';
import { CALL_COLUMNS, ResourceJson, SPAN_COLUMNS, callRow, spanRow } from '../src/ledger/row-encoding';
import type { LlmCall, PricedCall, SpanRecord } from '../src/pipeline';
import type { ClickHouseClient } from '@clickhouse/client';
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

/** The bench's own embedded engine (one data directory per process, so opened once). */
interface BenchStorage {
  client: ClickHouseClient;
  close(): Promise<void>;
}

async function openBenchStorage(): Promise<BenchStorage> {
  const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-bench-storage-'));
  const cfg = configSchema.parse({ logLevel: 'silent', ledger: { dataDir: dir, database: 'bench' } });
  const storage = await openStorage(cfg.ledger);
  return {
    client: storage.client,
    close: async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits (at most 60 s) until the engine runs no background merge, so none is timed. */
async function mergesSettled(client: ClickHouseClient): Promise<void> {
  const until = performance.now() + 60_000;
  while (performance.now() < until) {
    const rs = await client.query({ query: 'SELECT count() AS n FROM system.merges', format: 'JSONEachRow' });
    const [row] = await rs.json<{ n: string | number }>();
    if (Number(row?.n ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

type Decoded = { spans: SpanRecord[]; calls: readonly PricedCall[] };

/**
 * The ledger writer alone on chDB in this process (a fresh database `db`), fed
 * already-decoded spans by CONCURRENCY writers, as the service's receivers would.
 */
async function writerOnly(storage: BenchStorage, db: string, decoded: Decoded[], seconds: number): Promise<number> {
  const cfg = configSchema.parse({ logLevel: 'silent', ledger: { dataDir: '/unused', database: db } });
  await migrate(storage.client, db);
  await mergesSettled(storage.client);
  const writer = createLedgerWriter(storage.client, cfg.ledger);
  try {
    const store = async (d: Decoded) => {
      await writer.write(d.spans, d.calls);
      return d.spans.length;
    };
    // Warmed up as the services are before their clock starts.
    await spansPerSecond(decoded, WARMUP_SECONDS, store);
    await mergesSettled(storage.client);
    return await spansPerSecond(decoded, seconds, store);
  } finally {
    await writer.close();
    await storage.client.command({ query: `DROP DATABASE IF EXISTS ${db} SYNC` });
  }
}

/**
 * What the embedded engine alone takes: the same rows, encoded once before the clock starts,
 * inserted by CONCURRENCY loops with no JavaScript work per span (the text goes inline in
 * the INSERT, so not even the client's row serialization runs). End-to-end can be no faster.
 */
async function storageFloor(client: ClickHouseClient, db: string, decoded: Decoded[], seconds: number): Promise<number> {
  await migrate(client, db);
  await mergesSettled(client);
  // Batches of 8 exports (4,096 spans), as the writer batches them under load.
  const batches: { spans: string; calls: string; n: number }[] = [];
  for (let b = 0; b + 8 <= decoded.length; b += 8) {
    let spans = '';
    let calls = '';
    let n = 0;
    for (const d of decoded.slice(b, b + 8)) {
      const resources = new ResourceJson();
      const callSpans = new Set(d.calls.map((c) => c.span));
      for (const c of d.calls) calls += `${JSON.stringify(callRow(c, resources))}\n`;
      for (const s of d.spans) spans += `${JSON.stringify(spanRow(s, callSpans.has(s), resources))}\n`;
      n += d.spans.length;
    }
    batches.push({ spans, calls, n });
  }
  const insert = (table: string, columns: readonly string[], body: string) =>
    client.command({ query: `INSERT INTO ${db}.${table} (${columns.join(', ')}) SETTINGS optimize_on_insert = 0 FORMAT JSONCompactEachRow\n${body}` });
  try {
    const store = async (b: (typeof batches)[number]) => {
      await Promise.all([insert('spans', SPAN_COLUMNS, b.spans), insert('llm_calls', CALL_COLUMNS, b.calls)]);
      return b.n;
    };
    await spansPerSecond(batches, WARMUP_SECONDS, store);
    await mergesSettled(client);
    return await spansPerSecond(batches, seconds, store);
  } finally {
    await client.command({ query: `DROP DATABASE IF EXISTS ${db} SYNC` });
  }
}

/** CONCURRENCY loops, each taking `items` in turn for `seconds`; `store` returns the spans it stored. */
async function spansPerSecond<T>(items: T[], seconds: number, store: (item: T) => Promise<number>): Promise<number> {
  let spans = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      let i = w;
      while (performance.now() < end) spans += await store(items[i++ % items.length]!);
    }),
  );
  return spans / ((performance.now() - started) / 1000);
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
  const storage = await openBenchStorage();
  try {
    // Owned (unauthenticated, as the open service's) and priced before any clock starts, as the chain hands them to the ledger.
    const normalizer = createNormalizer(defaultMappers());
    const anonymous = { sender: undefined, unknownCredential: false };
    const noRegistry = emptyRegistry();
    const own = createOwnershipStage(createResolver({ current: () => noRegistry }));
    const price = createPricingStage(createPricer(createPriceBook(createCatalog(), []), 'computed_or_reported'));
    const decoded = payloads.map((p): Decoded => {
      const spans = readProtoExportRequest(p).spans;
      const owned = own.process({ spans, calls: normalizer.normalize(spans), unmapped: undefined, refused: [] }, anonymous);
      return { spans, calls: price.process(owned, anonymous).calls };
    });
    const storageSeconds = Math.min(SECONDS, 10);
    // Interleaved rounds, median of each: run order, disk state and the neighbours' load
    // otherwise decide more than the code does.
    const rounds = { open: [] as Measured[], owned: [] as Measured[], noSpool: [] as Measured[], writer: [] as number[], floor: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      rounds.writer.push(await writerOnly(storage, `bench_writer_${round}`, decoded, storageSeconds));
      rounds.floor.push(await storageFloor(storage.client, `bench_floor_${round}`, decoded, storageSeconds));
      await mergesSettled(storage.client);
      rounds.open.push(await runService(['--data-dir', path.join(workDir, `open${round}`), '--allow-unauthenticated'], payloads));
      rounds.owned.push(await runService(['--data-dir', path.join(workDir, `owned${round}`), '--registry', registryFile], payloads, SENDER_TOKEN));
      rounds.noSpool.push(await runService(['--data-dir', path.join(workDir, `nospool${round}`), '--allow-unauthenticated', '--spool-max-bytes', '0'], payloads));
      for (const d of [path.join(workDir, `open${round}`), path.join(workDir, `owned${round}`), path.join(workDir, `nospool${round}`)]) rmSync(d, { recursive: true, force: true });
    }
    const open = medianBy(rounds.open);
    const owned = medianBy(rounds.owned);
    const noSpool = medianBy(rounds.noSpool);
    const writerRate = median(rounds.writer);
    const floorRate = median(rounds.floor);
    const decode = decodeOnly(payloads[0]!, Math.min(SECONDS, 5));
    const normalize = decodeAndNormalize(payloads[0]!, Math.min(SECONDS, 5));
    const resolveNs = resolveNsPerCall(payloads[0]!, registryFile);
    const priceNs = priceNsPerCall(payloads[0]!);
    const ratio = open.spansPerSec / decode;
    const ownedRatio = owned.spansPerSec / decode;
    const spread = (list: number[]) => `${ROUNDS} rounds: ${list.map(fmt).join(', ')}`;
    console.log(`payload: ${SPANS_PER_REQUEST} GenAI spans/request, ${(payloads[0]!.length / 1024).toFixed(0)} KiB, ~20 attributes/span; medians of ${ROUNDS} interleaved rounds`);
    console.log(`end-to-end, no registry (HTTP protobuf -> chDB, ${CONCURRENCY} senders, ${SECONDS}s): ${fmt(open.spansPerSec)} spans/s (${spread(rounds.open.map((m) => m.spansPerSec))}; ${open.refused} refused)`);
    console.log(`end-to-end, ${TENANTS}-tenant registry + sender auth:            ${fmt(owned.spansPerSec)} spans/s (${spread(rounds.owned.map((m) => m.spansPerSec))}; ${owned.refused} refused)`);
    console.log(`end-to-end, spool turned off:                          ${fmt(noSpool.spansPerSec)} spans/s (spool on: ${((open.spansPerSec / noSpool.spansPerSec - 1) * 100).toFixed(1)}% change)`);
    console.log(`decode only (one core):                ${fmt(decode)} spans/s`);
    console.log(`decode + normalize (one core):         ${fmt(normalize)} spans/s`);
    console.log(`ownership resolution (${TENANTS} tenants):   ${resolveNs.toFixed(0)} ns/call (${((resolveNs * decode) / 1e9 * 100).toFixed(1)}% of decode time per span)`);
    console.log(`pricing (catalog, exact nano-USD):     ${priceNs.toFixed(0)} ns/call (${((priceNs * open.spansPerSec) / 1e9 * 100).toFixed(1)}% of end-to-end time per span; included in both runs above)`);
    console.log(`ledger writes only (chDB, in-process): ${fmt(writerRate)} spans/s (${spread(rounds.writer)})`);
    console.log(`storage floor (rows pre-encoded, chDB): ${fmt(floorRate)} spans/s (${spread(rounds.floor)}): no end-to-end run can beat this`);
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
    await storage.close();
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
