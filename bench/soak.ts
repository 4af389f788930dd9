// A long run (not in `npm test`): `spanledger serve` with a low memory limit under senders
// offering twice what it can store, the way OTel SDKs behave: a refused export waits for
// Retry-After and is sent again. Checks that resident memory stays under the hard limit,
// that senders were told to back off (retryable answers counted), and that no export was lost.
//
//   npm run test:long     (SOAK_SECONDS=60 SOAK_SENDERS=32)
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { startServe } from '../test/helpers/cli-process';
import { genAiPayload } from './payload';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const SENDERS = Number(process.env.SOAK_SENDERS ?? 32);
const SOFT_MB = Number(process.env.SOAK_SOFT_MB ?? 900);
const HARD_MB = Number(process.env.SOAK_HARD_MB ?? 1400);
const TOKEN = 'soak-admin-token';
const SPANS = 512;

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return kb / 1024;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-soak-'));
  const serve = await startServe(['--data-dir', dir, '--allow-unauthenticated', '--memory-soft-limit-mb', String(SOFT_MB), '--memory-hard-limit-mb', String(HARD_MB), '--spool-max-bytes', String(64 * 1024 * 1024)], { SPANLEDGER_ADMIN_TOKEN: TOKEN });
  const url = `http://127.0.0.1:${serve.ports.otlpHttp}/v1/traces`;
  let acked = 0;
  let retryable = 0;
  let permanent = 0;
  let peakRss = 0;
  const end = Date.now() + SECONDS * 1000;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(serve.child.pid!))), 200);
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (Date.now() < end) {
        const body = genAiPayload(SPANS);
        for (;;) {
          const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
          await res.arrayBuffer();
          if (res.status === 200) {
            acked += SPANS;
            break;
          }
          if (res.status === 429 || res.status === 503) {
            retryable++;
            await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? '1') * 1000));
            continue;
          }
          permanent++;
          break;
        }
      }
    }),
  );
  clearInterval(sampler);
  // Let the spool drain, then count.
  const client = createClient({ url: `http://127.0.0.1:${serve.ports.api}`, pathname: '/clickhouse', password: TOKEN, log: { level: ClickHouseLogLevel.OFF } });
  let stored = 0;
  for (let i = 0; i < 120 && stored < acked; i++) {
    const [row] = await (await client.query({ query: 'SELECT count() AS n FROM llm_calls FINAL', format: 'JSONEachRow' })).json<{ n: string | number }>();
    stored = Number(row?.n ?? 0);
    if (stored < acked) await new Promise((r) => setTimeout(r, 1000));
  }
  await client.close();
  await serve.stop();
  console.log(`${SENDERS} senders for ${SECONDS}s: ${acked.toLocaleString('en-US')} spans acknowledged, ${retryable} retryable refusals (senders backed off), ${permanent} permanent`);
  console.log(`peak RSS ${peakRss.toFixed(0)} MiB (soft limit ${SOFT_MB}, hard limit ${HARD_MB})`);
  console.log(`stored ${stored.toLocaleString('en-US')} of ${acked.toLocaleString('en-US')} acknowledged`);
  const ok = stored === acked && peakRss < HARD_MB && permanent === 0;
  console.log(ok ? 'soak: passed' : 'soak: FAILED');
  process.exit(ok ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
