import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { killAll, startServe, type ServeProcess } from './helpers/cli-process';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';

// No child process outlives this file, even when a test fails half-way.
after(killAll);

const TOKEN = 'crash-test-admin-token';
const SPANS_PER_EXPORT = 20;

/**
 * Sends exports in a loop to whatever service is current and, like an OTel SDK, resends an export that was
 * not acknowledged (the process died under it) until it is. A killed process may have stored an export
 * whose 200 never left, so only with resending can the ledger be held to exactly what was acknowledged.
 */
function sender(current: () => ServeProcess | undefined) {
  let acked = 0;
  let running = true;
  let abandoned = false;
  let pending: Uint8Array | undefined;
  const loop = (async () => {
    while (!abandoned && (running || pending !== undefined)) {
      const svc = current();
      if (svc === undefined) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      if (pending === undefined) {
        const traceId = newTraceId();
        pending = encodeRequest(Array.from({ length: SPANS_PER_EXPORT }, () => ({ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10 } })));
      }
      try {
        const res = await fetch(`http://127.0.0.1:${svc.ports.otlpHttp}/v1/traces`, { method: 'POST', body: pending, headers: { 'content-type': 'application/x-protobuf' } });
        await res.arrayBuffer();
        if (res.status === 200) {
          acked += SPANS_PER_EXPORT;
          pending = undefined;
        }
      } catch {
        // The process died under the request: resend the same export to the next one.
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  })();
  return {
    /** Stops after the export in hand is acknowledged; resolves with the calls acknowledged. */
    stop: async () => { running = false; await loop; return acked; },
    /** Stops at once, for clean-up after a failure. */
    abandon: async () => { abandoned = true; await loop; },
  };
}

async function ledgerCounts(svc: ServeProcess): Promise<{ calls: number; distinct: number }> {
  const client = createClient({ url: `http://127.0.0.1:${svc.ports.api}`, pathname: '/clickhouse', password: TOKEN, log: { level: ClickHouseLogLevel.OFF } });
  try {
    const rs = await client.query({ query: 'SELECT count() AS calls, uniqExact(trace_id, span_id) AS distinct FROM llm_calls FINAL', format: 'JSONEachRow' });
    const [row] = await rs.json<{ calls: number | string; distinct: number | string }>();
    return { calls: Number(row!.calls), distinct: Number(row!.distinct) };
  } finally {
    await client.close();
  }
}

const serve = (dataDir: string) => startServe(['--data-dir', dataDir, '--allow-unauthenticated'], { SPANLEDGER_ADMIN_TOKEN: TOKEN });

test('SIGKILL at random moments under a steady stream: every acknowledged call is in the ledger exactly once', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'spanledger-crash-'));
  let svc: ServeProcess | undefined = await serve(dataDir);
  const load = sender(() => svc);
  try {
    for (let kill = 0; kill < 3; kill++) {
      await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 700)));
      const dying = svc!;
      svc = undefined;
      dying.child.kill('SIGKILL');
      await new Promise((r) => dying.child.once('exit', r));
      svc = await serve(dataDir);
    }
    await new Promise((r) => setTimeout(r, 300));
    const acked = await load.stop();
    assert.ok(acked > 0, 'some exports were acknowledged');
    const counts = await ledgerCounts(svc!);
    // Resent exports carry the same span ids, so a call stored before the kill and again after is one row.
    assert.equal(counts.calls, acked);
    assert.equal(counts.distinct, counts.calls);
    assert.equal(await svc!.stop(), 0, svc!.tail());
  } finally {
    await load.abandon();
    await svc?.stop();
  }
});

test('SIGTERM during load: everything acknowledged is in the ledger after a clean exit', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'spanledger-term-'));
  let svc: ServeProcess | undefined = await serve(dataDir);
  const load = sender(() => svc);
  try {
    await new Promise((r) => setTimeout(r, 600));
    const stopping = svc!;
    svc = undefined;
    assert.equal(await stopping.stop(), 0, stopping.tail());
    // An export refused during shutdown is resent to the restarted service.
    svc = await serve(dataDir);
    const acked = await load.stop();
    const counts = await ledgerCounts(svc);
    assert.ok(acked > 0);
    assert.equal(counts.calls, acked);
    assert.equal(counts.distinct, counts.calls);
  } finally {
    await load.abandon();
    await svc?.stop();
  }
});
