import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { decodeStatus, encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { startTestService, type TestService } from './helpers/test-service';
import { waitFor } from './helpers/wait';

const MIB = 1024 * 1024;
const RESERVE_MB = 32;
const CALLS_PER_EXPORT = 20;

/** Mounts a fresh tmpfs of `sizeMb`; undefined (with why) where mounting is not permitted. */
function mountTmpfs(sizeMb: number): { dir: string } | { skip: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}` };
  }
}

/** Like an OTel SDK: sends exports in a loop and resends one that was refused as retryable until it is acknowledged. */
function sender(svc: TestService, seen: { refusals: { status: number; retryAfter: string | null; message: string }[] }) {
  const acked: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const traceId = newTraceId();
      // A padding attribute that is no prompt: content attributes are dropped at ingestion.
      const body = encodeRequest(Array.from({ length: CALLS_PER_EXPORT }, () => ({ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10, 'app.padding': 'x'.repeat(2000) } })));
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
        const bytes = new Uint8Array(await res.arrayBuffer());
        if (res.status === 200) {
          acked.push(traceId);
          break;
        }
        seen.refusals.push({ status: res.status, retryAfter: res.headers.get('retry-after'), message: decodeStatus(bytes).message ?? '' });
        // An SDK waits Retry-After; a short wait keeps the test quick and changes nothing it checks.
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  })();
  return {
    acked,
    async stop() {
      running = false;
      await loop;
    },
  };
}

test('a filling disk turns exports to 503 + Retry-After and /readyz to 503 before storage runs out; once freed, every acknowledged call is stored', async (t) => {
  const mounted = mountTmpfs(256);
  if ('skip' in mounted) {
    t.skip(mounted.skip);
    return;
  }
  const { dir } = mounted;
  let svc: TestService | undefined;
  try {
    mkdirSync(path.join(dir, 'data'));
    svc = await startTestService({
      ledger: { dataDir: path.join(dir, 'data'), spoolDir: path.join(dir, 'spool'), diskReserveMb: RESERVE_MB, diskReservePercent: 0, diskCheckIntervalMs: 20 },
    });
    const api = `http://127.0.0.1:${svc.service.ports.api}`;
    const seen = { refusals: [] as { status: number; retryAfter: string | null; message: string }[] };
    const senders = Array.from({ length: 4 }, () => sender(svc!, seen));
    const ackedCount = () => senders.reduce((n, s) => n + s.acked.length, 0);
    await waitFor(() => ackedCount() >= 20, 60_000);

    // Fill the filesystem to half the reserve, under load.
    const filler = path.join(dir, 'filler');
    const free = () => {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    };
    const fh = await open(filler, 'w');
    const chunk = Buffer.alloc(MIB, 1);
    while (free() > (RESERVE_MB / 2) * MIB) await fh.write(chunk);
    await fh.close();
    await waitFor(() => seen.refusals.length >= 4, 60_000);
    const ready = await fetch(`${api}/readyz`);
    assert.equal(ready.status, 503, '/readyz fails while the disk is below its reserve');
    assert.match(((await ready.json()) as { reason: string }).reason, /disk nearly full: .* MiB free, under the 32 MiB reserve/);
    assert.match(await (await fetch(`${api}/metrics`)).text(), /spanledger_disk_low 1\n/);
    for (const r of seen.refusals) {
      assert.equal(r.status, 503);
      assert.ok(Number(r.retryAfter) >= 1, 'Retry-After tells the sender when to come back');
      assert.match(r.message, /disk nearly full/);
    }

    // Freed: exports are taken again, and the senders' resends land.
    rmSync(filler);
    let readyAgain = false;
    while (!readyAgain) {
      readyAgain = (await fetch(`${api}/readyz`)).status === 200;
      if (!readyAgain) await new Promise((r) => setTimeout(r, 20));
    }
    const afterFree = ackedCount();
    await waitFor(() => ackedCount() >= afterFree + 20, 60_000);
    await Promise.all(senders.map((s) => s.stop()));
    const acked = senders.flatMap((s) => s.acked);
    await svc.service.writer.drainSpool();
    const [row] = await svc.rows<{ calls: number; distinct: number }>(
      'SELECT count() AS calls, uniqExact(trace_id, span_id) AS distinct FROM llm_calls FINAL WHERE trace_id IN {t:Array(String)}',
      { t: acked },
    );
    assert.deepEqual(row, { calls: acked.length * CALLS_PER_EXPORT, distinct: acked.length * CALLS_PER_EXPORT }, 'every acknowledged call is stored exactly once');
    const metrics = await (await fetch(`${api}/metrics`)).text();
    assert.match(metrics, /spanledger_disk_low 0\n/);
    assert.doesNotMatch(metrics, /spanledger_detached_parts\{/, 'no part was broken on the way');
  } finally {
    await svc?.stop();
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});
