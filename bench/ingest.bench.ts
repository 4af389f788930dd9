// End-to-end OTLP/HTTP ingest against `spanledger serve` on embedded storage, compared
// with decoding the same payload alone on one core, in the same run. Absolute numbers
// swing on shared machines; the ratio is what we track.
//
//   npm run bench:ingest            (BENCH_SECONDS=20 BENCH_CONCURRENCY=4 to change)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { configSchema } from '../src/config';
import { createLedgerWriter, migrate, openStorage } from '../src/ledger';
import { createNormalizer, defaultMappers } from '../src/normalize';
import { readProtoExportRequest } from '../src/receiver';
import { startServe } from '../test/helpers/cli-process';
import { genAiPayload } from './payload';

const SPANS_PER_REQUEST = 512;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);

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

/**
 * The ledger writer alone on chDB in this process (separate directory from the service),
 * fed already-decoded spans by CONCURRENCY writers, as the service's receivers would.
 */
async function storageOnly(payloads: Buffer[], seconds: number): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-bench-storage-'));
  const cfg = configSchema.parse({ logLevel: 'silent', ledger: { dataDir: dir, database: 'bench' } });
  const storage = await openStorage(cfg.ledger);
  try {
    await migrate(storage.client, cfg.ledger.database);
    const writer = createLedgerWriter(storage.client, cfg.ledger);
    const normalizer = createNormalizer(defaultMappers());
    const decoded = payloads.map((p) => {
      const spans = readProtoExportRequest(p).spans;
      return { spans, calls: normalizer.normalize(spans) };
    });
    let spans = 0;
    const end = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, w) => {
        let i = w;
        while (performance.now() < end) {
          const d = decoded[i++ % decoded.length]!;
          await writer.write(d.spans, d.calls);
          spans += d.spans.length;
        }
      }),
    );
    const rate = spans / ((performance.now() - started) / 1000);
    await writer.close();
    return rate;
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function endToEnd(url: string, payloads: Buffer[], seconds: number): Promise<{ spansPerSec: number; requests: number; refused: number }> {
  let spans = 0;
  let requests = 0;
  let refused = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async (w: number) => {
    let i = w;
    while (performance.now() < end) {
      const body = payloads[i++ % payloads.length]!;
      const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
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
  const dataDir = mkdtempSync(path.join(tmpdir(), 'spanledger-bench-'));
  const serve = await startServe(['--data-dir', dataDir, '--allow-unauthenticated']);
  try {
    const url = `http://127.0.0.1:${serve.ports.otlpHttp}/v1/traces`;
    await endToEnd(url, payloads, 2); // warm-up
    const e2e = await endToEnd(url, payloads, SECONDS);
    const rss = peakRssMb(serve.child.pid!);
    const decode = decodeOnly(payloads[0]!, Math.min(SECONDS, 5));
    const normalize = decodeAndNormalize(payloads[0]!, Math.min(SECONDS, 5));
    await serve.stop();
    const storage = await storageOnly(payloads, Math.min(SECONDS, 10));
    const ratio = e2e.spansPerSec / decode;
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(`payload: ${SPANS_PER_REQUEST} GenAI spans/request, ${(payloads[0]!.length / 1024).toFixed(0)} KiB, ~20 attributes/span`);
    console.log(`end-to-end (HTTP protobuf -> chDB, ${CONCURRENCY} concurrent senders, ${SECONDS}s): ${fmt(e2e.spansPerSec)} spans/s (${e2e.requests} requests, ${e2e.refused} refused)`);
    console.log(`decode only (one core):            ${fmt(decode)} spans/s`);
    console.log(`decode + normalize (one core):     ${fmt(normalize)} spans/s`);
    console.log(`ledger writes only (chDB, in-process): ${fmt(storage)} spans/s`);
    console.log(`ratio end-to-end / decode-only:    ${ratio.toFixed(2)}`);
    console.log(`ratio end-to-end / ledger-writes-only: ${(e2e.spansPerSec / storage).toFixed(2)}`);
    console.log(`service peak RSS:                  ${rss.toFixed(0)} MiB`);
  } finally {
    if (serve.child.exitCode === null) await serve.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
