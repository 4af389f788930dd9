import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import * as grpc from '@grpc/grpc-js';
import { loadOtlpRoot } from '../src/receiver';
import { killAll, startServe, type ServeProcess } from './helpers/cli-process';
import { decodeStatus, encodeRequest, newSpanId, newTraceId } from './helpers/payloads';

after(killAll);

const TOKEN = 'amplification-test-token';
const MiB = 1024 * 1024;
// The service runs with a 512 MiB V8 heap; its whole resident set must stay under this.
// Today's code copied the 2 MiB resource into all 400 rows of both tables (~800 MB each).
const HARD_LIMIT_BYTES = 1024 * MiB;

const root = loadOtlpRoot();
const Request = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');

/** One ResourceSpans of `spans` LLM-call spans sharing one resource. */
function exportWithResource(resource: Record<string, string>, spans: number): { body: Buffer; traceId: string } {
  const traceId = newTraceId();
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = Buffer.from(
    Request.encode(
      Request.fromObject({
        resource_spans: [
          {
            resource: { attributes: Object.entries(resource).map(([key, v]) => ({ key, value: { string_value: v } })) },
            scope_spans: [
              {
                scope: { name: 'amplifier' },
                spans: Array.from({ length: spans }, () => ({
                  trace_id: Buffer.from(traceId, 'hex'),
                  span_id: Buffer.from(newSpanId(), 'hex'),
                  name: 'chat gpt-4o-mini',
                  kind: 3,
                  start_time_unix_nano: now.toString(),
                  end_time_unix_nano: (now + 1_000_000n).toString(),
                  attributes: [
                    { key: 'gen_ai.provider.name', value: { string_value: 'openai' } },
                    { key: 'gen_ai.request.model', value: { string_value: 'gpt-4o-mini' } },
                    { key: 'gen_ai.usage.input_tokens', value: { int_value: 7 } },
                  ],
                })),
              },
            ],
          },
        ],
      }),
    ).finish(),
  );
  return { body, traceId };
}

/** Peak resident set of a process (Linux /proc), or undefined elsewhere. */
function peakRssBytes(pid: number): number | undefined {
  const file = `/proc/${pid}/status`;
  if (!existsSync(file)) return undefined;
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(file, 'utf8'));
  return m ? Number(m[1]) * 1024 : undefined;
}

describe('bounded work per request: a hostile export cannot wedge the service', () => {
  let serve: ServeProcess;
  let sql: ClickHouseClient;
  let otlp: string;
  before(async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'spanledger-amplify-'));
    serve = await startServe(['--data-dir', dataDir, '--allow-unauthenticated'], { SPANLEDGER_ADMIN_TOKEN: TOKEN, NODE_OPTIONS: '--max-old-space-size=512' });
    sql = createClient({ url: `http://127.0.0.1:${serve.ports.api}`, pathname: '/clickhouse', password: TOKEN, log: { level: ClickHouseLogLevel.OFF } });
    otlp = `http://127.0.0.1:${serve.ports.otlpHttp}/v1/traces`;
  });
  after(async () => {
    await sql.close();
    await serve.stop();
  });

  const rows = async <T>(query: string, params: Record<string, unknown>) => (await sql.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();
  const post = (body: Buffer) => fetch(otlp, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' }, signal: AbortSignal.timeout(120_000) });

  async function normalExportWorks(): Promise<void> {
    const traceId = newTraceId();
    const res = await post(encodeRequest([{ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 3 } }]));
    assert.equal(res.status, 200, serve.tail());
    assert.deepEqual(await rows('SELECT input_tokens FROM llm_calls FINAL WHERE trace_id = {t:String}', { t: traceId }), [{ input_tokens: 3 }]);
  }

  test('a 2 MiB resource attribute shared by 400 spans is capped, stored once per row at 4 KiB, and memory stays bounded', async () => {
    const { body, traceId } = exportWithResource({ 'service.name': 'amplifier', 'host.blob': 'x'.repeat(2 * MiB) }, 400);
    const res = await post(body);
    assert.equal(res.status, 200, serve.tail());
    const stored = await rows<{ n: string; len: number; marker: string }>(
      "SELECT count() AS n, max(length(resource_attributes['host.blob'])) AS len, any(resource_attributes['spanledger.truncated_attributes']) AS marker FROM spans FINAL WHERE trace_id = {t:String}",
      { t: traceId },
    );
    assert.deepEqual(stored, [{ n: 400, len: 4096, marker: '1' }]);
    assert.equal(serve.child.exitCode, null, 'the service is still running');
    const peak = peakRssBytes(serve.child.pid!);
    if (peak !== undefined) assert.ok(peak < HARD_LIMIT_BYTES, `peak resident memory ${Math.round(peak / MiB)} MiB, limit ${HARD_LIMIT_BYTES / MiB} MiB`);
    await normalExportWorks();
  });

  test('an export whose rows would pass maxExportRowBytes is refused with 413 naming the limit, over HTTP and gRPC', async () => {
    const resource: Record<string, string> = { 'service.name': 'amplifier' };
    for (let i = 0; i < 120; i++) resource[`attr.${i}`] = 'y'.repeat(4000);
    const { body, traceId } = exportWithResource(resource, 200);
    const res = await post(body);
    assert.equal(res.status, 413);
    const status = decodeStatus(new Uint8Array(await res.arrayBuffer()));
    assert.equal(status.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(status.message!, /^export would expand into about \d+ bytes of rows, more than receiver\.maxExportRowBytes \(67108864\): 200 spans, each row copying its resource \(largest \d+ bytes\); send fewer spans per export or smaller resource attributes$/);
    const client = new grpc.Client(`127.0.0.1:${serve.ports.otlpGrpc}`, grpc.credentials.createInsecure());
    try {
      const err = await new Promise<grpc.ServiceError>((resolve, reject) =>
        client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, (e) => (e ? resolve(e) : reject(new Error('accepted')))),
      );
      assert.equal(err.code, grpc.status.RESOURCE_EXHAUSTED);
      assert.match(err.details, /receiver\.maxExportRowBytes/);
    } finally {
      client.close();
    }
    assert.deepEqual(await rows('SELECT count() AS n FROM spans WHERE trace_id = {t:String}', { t: traceId }), [{ n: 0 }]);
    const metrics = await (await fetch(`http://127.0.0.1:${serve.ports.api}/metrics`)).text();
    assert.match(metrics, /spanledger_spans_rejected_total\{transport="http",reason="too_large"\} 200/);
    await normalExportWorks();
  });
});
