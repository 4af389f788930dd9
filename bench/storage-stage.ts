// One storage stage of `bench:ingest`, in a process of its own: the ledger writer alone, or
// the storage floor, on a fresh embedded engine (its own data directory), so it runs as the
// service stages do (fresh process, same libuv thread pool, nothing left by another stage).
//
//   node dist/bench/storage-stage.js <writer|floor> <payload dir> <seconds> <concurrency> <warmup seconds>
//
// Prints one JSON line, `{"spansPerSec": N, "cores": C}`, on stdout and exits.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { configSchema } from '../src/config';
import { createLedgerWriter, migrate, openStorage } from '../src/ledger';
import { CALL_COLUMNS, ResourceJson, SPAN_COLUMNS, callRow, spanRow } from '../src/ledger/row-encoding';
import { createNormalizer, defaultMappers } from '../src/normalize';
import { createOwnershipStage, createResolver, emptyRegistry } from '../src/ownership';
import type { PricedCall, SpanRecord } from '../src/pipeline';
import { createCatalog, createPriceBook, createPricer, createPricingStage } from '../src/pricing';
import { readProtoExportRequest } from '../src/receiver';

const DB = 'bench';

type Decoded = { spans: SpanRecord[]; calls: readonly PricedCall[] };

/** The payloads of `dir` decoded, owned (unauthenticated, as the open service's) and priced, as the chain hands them to the ledger. */
function decodePayloads(dir: string): Decoded[] {
  const normalizer = createNormalizer(defaultMappers());
  const anonymous = { sender: undefined, unknownCredential: false };
  const noRegistry = emptyRegistry();
  const own = createOwnershipStage(createResolver({ current: () => noRegistry }));
  const price = createPricingStage(createPricer(createPriceBook(createCatalog(), []), 'computed_or_reported'));
  return readdirSync(dir).sort().map((f): Decoded => {
    const spans = readProtoExportRequest(readFileSync(path.join(dir, f))).spans;
    const owned = own.process({ spans, calls: normalizer.normalize(spans), unmapped: undefined, refused: [] }, anonymous);
    return { spans, calls: price.process(owned, anonymous).calls };
  });
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

/** `concurrency` loops, each taking `items` in turn for `seconds`; `store` returns the spans it stored. */
async function spansPerSecond<T>(items: T[], seconds: number, concurrency: number, store: (item: T) => Promise<number>): Promise<number> {
  let spans = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      let i = w;
      while (performance.now() < end) {
        // Not `spans += await store(...)`: that reads `spans` before the await, so concurrent
        // loops overwrite each other's counts (the cause of the old bench's too-low figures).
        const stored = await store(items[i++ % items.length]!);
        spans += stored;
      }
    }),
  );
  return spans / ((performance.now() - started) / 1000);
}

/** The ledger writer alone, fed already-decoded spans by `concurrency` writers, as the service's receivers would. */
function writerStore(client: ClickHouseClient): { store: (d: Decoded) => Promise<number>; close(): Promise<void> } {
  const cfg = configSchema.parse({ logLevel: 'silent', ledger: { dataDir: '/unused', database: DB } });
  const writer = createLedgerWriter(client, cfg.ledger);
  return {
    store: async (d) => {
      await writer.write(d.spans, d.calls);
      return d.spans.length;
    },
    close: () => writer.close(),
  };
}

/**
 * What the embedded engine alone takes: the same rows, encoded once before the clock starts,
 * in batches of 8 exports (4,096 spans, as the writer batches them under load), the text
 * inline in the INSERT so not even the client's row serialization runs. End-to-end can be no faster.
 */
function floorStore(client: ClickHouseClient, decoded: Decoded[]): { items: { spans: string; calls: string; n: number }[]; store: (b: { spans: string; calls: string; n: number }) => Promise<number> } {
  const items: { spans: string; calls: string; n: number }[] = [];
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
    items.push({ spans, calls, n });
  }
  const insert = (table: string, columns: readonly string[], body: string) =>
    client.command({ query: `INSERT INTO ${DB}.${table} (${columns.join(', ')}) SETTINGS optimize_on_insert = 0 FORMAT JSONCompactEachRow\n${body}` });
  return {
    items,
    store: async (b) => {
      await Promise.all([insert('spans', SPAN_COLUMNS, b.spans), insert('llm_calls', CALL_COLUMNS, b.calls)]);
      return b.n;
    },
  };
}

async function main(): Promise<void> {
  const [stage, payloadDir, secondsArg, concurrencyArg, warmupArg] = process.argv.slice(2);
  if ((stage !== 'writer' && stage !== 'floor') || payloadDir === undefined) throw new Error('usage: storage-stage <writer|floor> <payload dir> <seconds> <concurrency> <warmup seconds>');
  const seconds = Number(secondsArg);
  const concurrency = Number(concurrencyArg);
  const warmup = Number(warmupArg);
  const decoded = decodePayloads(payloadDir);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'spanledger-bench-stage-'));
  const cfg = configSchema.parse({ logLevel: 'silent', ledger: { dataDir, database: DB } });
  const storage = await openStorage(cfg.ledger);
  try {
    await migrate(storage.client, DB);
    await mergesSettled(storage.client);
    let measure: () => Promise<number>;
    let close = async () => {};
    if (stage === 'writer') {
      const w = writerStore(storage.client);
      close = () => w.close();
      measure = () => spansPerSecond(decoded, seconds, concurrency, w.store);
      await spansPerSecond(decoded, warmup, concurrency, w.store);
    } else {
      const f = floorStore(storage.client, decoded);
      measure = () => spansPerSecond(f.items, seconds, concurrency, f.store);
      await spansPerSecond(f.items, warmup, concurrency, f.store);
    }
    await mergesSettled(storage.client);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const spansPerSec = await measure();
    const used = process.cpuUsage(cpu);
    const elapsedMs = performance.now() - started;
    await close();
    console.log(JSON.stringify({ spansPerSec, cores: (used.user + used.system) / 1000 / elapsedMs }));
  } finally {
    await storage.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
