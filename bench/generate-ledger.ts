// A large ledger generated inside ClickHouse (INSERT ... SELECT FROM numbers), for the
// benchmarks that read it: sending 10 million calls through OTLP would take the run's time.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { configSchema } from '../src/config';
import type { ClickHouseClient } from '@clickhouse/client';
import { createWorkflowViews, migrate, openStorage, type StorageClients } from '../src/ledger';

export const CALLS_PER_TRACE = 10;

/** An embedded ledger holding `calls` calls in traces of ten over the last 30 days, 20 teams, a root span per trace. */
export async function generateLedger(calls: number): Promise<{ storage: StorageClients; db: string; dir: string; traces: number; loadS: number; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-gen-'));
  const cfg = configSchema.parse({ ledger: { dataDir: dir, database: 'bench' } });
  const storage = await openStorage(cfg.ledger);
  const db = cfg.ledger.database;
  await migrate(storage.client, db);
  await createWorkflowViews(storage.client, db, { duplicateWinner: 'gateway', retryWindowS: 60 });
  const traces = Math.ceil(calls / CALLS_PER_TRACE);
  const started = performance.now();
  await insertCalls(storage.client, db, 0, calls, 30 * 86400);
  await storage.client.command({
    query: `INSERT INTO ${db}.spans (timestamp, end_timestamp, trace_id, span_id, parent_span_id, name, kind, status_code, duration_ms, service_name, is_llm_call)
      SELECT now64(9) - toIntervalSecond(intDiv(number * ${30 * 86400}, ${traces})), now64(9) - toIntervalSecond(intDiv(number * ${30 * 86400}, ${traces})) + toIntervalSecond(2),
        leftPad(lower(hex(number)), 32, '0'), leftPad(lower(hex(number + 1000000000000)), 16, '0'), '', concat('POST /route', toString(number % 40)),
        'server', 'ok', 2000, 'web', 0
      FROM numbers(${traces})`,
  });
  return {
    storage, db, dir, traces, loadS: (performance.now() - started) / 1000,
    cleanup: async () => {
      await storage.close();
      // chDB's engine lives as long as this process and may still be merging parts in the
      // directory: removing it under the engine failed (ENOTEMPTY) and made the engine crash
      // at exit. A detached shell removes it once this process has gone.
      spawn('sh', ['-c', 'while kill -0 "$0" 2>/dev/null; do sleep 0.2; done; rm -rf "$1"', String(process.pid), dir], { detached: true, stdio: 'ignore' }).unref();
    },
  };
}

/**
 * Inserts calls numbered [first, first + count) in traces of ten, their traces spread evenly
 * over the last `spreadS` seconds, as the generated ledger has them.
 */
export async function insertCalls(client: ClickHouseClient, db: string, first: number, count: number, spreadS: number): Promise<void> {
  const trace = `intDiv(number, ${CALLS_PER_TRACE})`;
  const traces = Math.max(1, Math.ceil(count / CALLS_PER_TRACE));
  const at = `now64(9) - toIntervalSecond(intDiv((intDiv(number, ${CALLS_PER_TRACE}) - ${Math.floor(first / CALLS_PER_TRACE)}) * ${spreadS}, ${traces}))`;
  await client.command({
    query: `INSERT INTO ${db}.llm_calls (timestamp, end_timestamp, trace_id, span_id, parent_span_id, session_id, user_id, provider, request_model,
        response_model, input_tokens, output_tokens, status_code, is_failed, tenant, team, app, feature, sender_kind, cost_nano_usd, pricing_status)
      SELECT ${at} + toIntervalMillisecond(number % ${CALLS_PER_TRACE} * 100), ${at} + toIntervalMillisecond(number % ${CALLS_PER_TRACE} * 100 + 80),
        leftPad(lower(hex(${trace})), 32, '0'), leftPad(lower(hex(number)), 16, '0'), leftPad(lower(hex(${trace} + 1000000000000)), 16, '0'),
        concat('s', toString(intDiv(number, 50))), concat('u', toString(number % 5000)), 'openai', if(number % 7 = 0, 'gpt-4o', 'gpt-4o-mini'),
        if(number % 7 = 0, 'gpt-4o', 'gpt-4o-mini'), 1000 + number % 500, 100 + number % 50, if(number % 97 = 0, 'error', 'ok'), number % 97 = 0,
        if(number % 53 = 0, '', concat('t', toString(number % 100))), if(number % 53 = 0, '', concat('team', toString(number % 20))),
        concat('app', toString(number % 100)), concat('feature', toString(number % 7)), 'service', 150000 + number % 1000, 'priced'
      FROM numbers(${first}, ${count})`,
  });
}
