import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { killAll, runCli, startServe } from './helpers/cli-process';
import { emitChatTrace, providerWith } from './helpers/otel';

// No child process outlives this file, even when a test fails half-way.
after(killAll);

const TOKEN = 'restart-test-token';

async function countCalls(apiPort: number, traceIds: string[]): Promise<number> {
  const client = createClient({ url: `http://127.0.0.1:${apiPort}`, pathname: '/clickhouse', password: TOKEN, log: { level: ClickHouseLogLevel.OFF } });
  try {
    const rs = await client.query({ query: 'SELECT count() AS n FROM llm_calls FINAL WHERE trace_id IN {ids:Array(String)}', query_params: { ids: traceIds }, format: 'JSONEachRow' });
    const [row] = await rs.json<{ n: number }>();
    return Number(row!.n);
  } finally {
    await client.close();
  }
}

test('spanledger serve keeps every row across a restart on the same data directory', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'spanledger-restart-'));
  const first = await startServe(['--data-dir', dataDir, '--allow-unauthenticated'], { SPANLEDGER_ADMIN_TOKEN: TOKEN });
  const provider = providerWith(new OTLPTraceExporter({ url: `http://127.0.0.1:${first.ports.otlpHttp}/v1/traces` }), 'restart-svc');
  const ids = [1, 2, 3].map((i) => emitChatTrace(provider, { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': i, 'gen_ai.usage.output_tokens': i }).traceId);
  await provider.forceFlush();
  await provider.shutdown();
  assert.equal(await countCalls(first.ports.api, ids), 3);
  assert.equal(await first.stop(), 0);

  const second = await startServe(['--data-dir', dataDir, '--allow-unauthenticated'], { SPANLEDGER_ADMIN_TOKEN: TOKEN });
  try {
    assert.equal(await countCalls(second.ports.api, ids), 3);
  } finally {
    assert.equal(await second.stop(), 0);
  }
});

test('a bad setting stops start-up with exit code 2 and names the field and its source', async () => {
  const res = await runCli(['serve', '--otlp-http-port', '99999'], { SPANLEDGER_API_PORT: 'eighty' });
  assert.equal(res.code, 2);
  assert.match(res.stderr, /receiver\.otlpHttpPort: .*65535.* \(from flag --otlp-http-port\)/);
  assert.match(res.stderr, /apiPort: .* \(from environment SPANLEDGER_API_PORT\)/);
});

test('an unknown command prints usage and exits 2', async () => {
  const res = await runCli(['srve']);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /unknown command 'srve'/);
  assert.match(res.stderr, /usage: spanledger serve/);
});
