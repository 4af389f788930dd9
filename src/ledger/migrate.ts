import type { ClickHouseClient } from '@clickhouse/client';
import { MIGRATIONS, type Migration } from './migrations';

/** What a migration run did. */
export interface MigrationReport {
  applied: number[];
  current: number;
}

/**
 * Brings `db` up to the newest schema: creates the bookkeeping table, runs every step
 * newer than the recorded version, and records it. Idempotent; safe at every start.
 */
export async function migrate(client: ClickHouseClient, db: string, steps: readonly Migration[] = MIGRATIONS): Promise<MigrationReport> {
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (
      version UInt32, name String, applied_at DateTime DEFAULT now()
    ) ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const rs = await client.query({
    query: `SELECT max(version) AS v FROM ${db}.schema_migrations`,
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ v: number | string }>();
  let current = Number(row?.v ?? 0);
  const applied: number[] = [];
  for (const step of steps) {
    if (step.version <= current) continue;
    for (const sql of step.statements(db)) await client.command({ query: sql });
    await client.insert({
      table: `${db}.schema_migrations`,
      format: 'JSONEachRow',
      values: [{ version: step.version, name: step.name }],
    });
    applied.push(step.version);
    current = step.version;
  }
  return { applied, current };
}

/** Sets how long drill-down spans are kept; applies to new parts without rewriting old ones. */
export async function setSpansTtl(client: ClickHouseClient, db: string, days: number): Promise<void> {
  if (!Number.isInteger(days) || days < 1) throw new Error(`spansTtlDays must be a positive integer, got ${days}`);
  await client.command({
    query: `ALTER TABLE ${db}.spans MODIFY TTL toDateTime(timestamp) + INTERVAL ${days} DAY`,
    clickhouse_settings: { materialize_ttl_after_modify: 0 },
  });
}
