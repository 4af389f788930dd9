import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import pino from 'pino';
import { configSchema, type SpanledgerConfig } from '../../src/config';
import { startService, type Service } from '../../src/service';

export const ADMIN_TOKEN = 'test-admin-token';

// chDB binds one data directory per process, so every service a test file starts shares
// this directory and is kept apart by its own database.
let processDataDir: string | undefined;
let databaseSeq = 0;

/** Writes a registry YAML into a fresh temporary directory and returns its path. */
export function registryFile(yaml: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'spanledger-registry-')), 'registry.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** The data directory shared by this test process. */
export function sharedDataDir(): string {
  processDataDir ??= mkdtempSync(path.join(tmpdir(), 'spanledger-test-'));
  return processDataDir;
}

/** A running service plus a real ClickHouse client pointed at its SQL endpoint. */
export interface TestService {
  service: Service;
  cfg: SpanledgerConfig;
  sql: ClickHouseClient;
  /** Runs a SELECT through the service's /clickhouse endpoint and returns JSON rows. */
  rows<T = Record<string, unknown>>(query: string, params?: Record<string, unknown>): Promise<T[]>;
  stop(): Promise<void>;
}

/**
 * Starts a service on loopback with port 0 everywhere and a fresh database (unauthenticated
 * mode unless overridden); its log goes nowhere unless a `logger` is given.
 */
export async function startTestService(overrides: Record<string, unknown> = {}, logger: pino.Logger = pino({ level: 'silent' })): Promise<TestService> {
  const { receiver, ledger, ownership, pricing, policy, ...top } = overrides as { receiver?: object; ledger?: object; ownership?: object; pricing?: object; policy?: object };
  const cfg = configSchema.parse({
    host: '127.0.0.1',
    apiPort: 0,
    adminToken: ADMIN_TOKEN,
    logLevel: 'silent',
    shutdownGraceMs: 2000,
    ...top,
    receiver: { otlpGrpcPort: 0, otlpHttpPort: 0, ...receiver },
    ledger: { dataDir: sharedDataDir(), database: `t${process.pid}_${++databaseSeq}`, batchMaxDelayMs: 20, ...ledger },
    // Most suites test ingestion, not identity; the ownership suite turns this off.
    ownership: { allowUnauthenticated: true, registryPollMs: 50, ...ownership },
    pricing: { ...pricing },
    policy: { ...policy },
  });
  const service = await startService(cfg, logger);
  const sql = createClient({
    url: `http://127.0.0.1:${service.ports.api}`,
    pathname: '/clickhouse',
    username: 'reader',
    password: ADMIN_TOKEN,
    // Tests provoke refusals on purpose; the client would log each one.
    log: { level: ClickHouseLogLevel.OFF },
  });
  return {
    service,
    cfg,
    sql,
    async rows<T>(query: string, params?: Record<string, unknown>) {
      const rs = await sql.query({ query, query_params: params, format: 'JSONEachRow' });
      return rs.json<T>();
    },
    async stop() {
      await sql.close();
      await service.stop();
    },
  };
}
