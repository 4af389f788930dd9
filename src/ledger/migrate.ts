import type { ClickHouseClient } from '@clickhouse/client';
import { ddlFor, type DdlTarget } from './cluster-ddl';
import { MIGRATIONS, type Migration } from './migrations';

/** What a migration run did. */
export interface MigrationReport {
  applied: number[];
  current: number;
}

/** The bookkeeping table's DDL. */
const bookkeeping = (db: string) => `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (
      version UInt32, name String, applied_at DateTime DEFAULT now()
    )
    ENGINE = ReplacingMergeTree
    ORDER BY version`;

/** How the schema is kept: by spanledger (optionally on a cluster), or by someone else. */
export interface SchemaOptions extends DdlTarget {
  /** `external`: spanledger runs no DDL and only checks the schema is at its version. */
  schema?: 'managed' | 'external';
}

/**
 * Every DDL statement of the schema up to `steps`' newest version, in order, as it would
 * run on `target` (the bookkeeping table first): what an operator applies by hand when the
 * schema is managed elsewhere, and what the cluster snapshot test compares.
 */
export function schemaStatements(db: string, target: DdlTarget = {}, steps: readonly Migration[] = MIGRATIONS): string[] {
  const plain = [`CREATE DATABASE IF NOT EXISTS ${db}`, bookkeeping(db), ...steps.flatMap((s) => s.statements(db))];
  return plain.flatMap((sql) => ddlFor(sql, target));
}

/**
 * Brings `db` up to the newest schema: creates the bookkeeping table, runs every step
 * newer than the recorded version, and records it. Idempotent; safe at every start. With
 * `cluster`, every statement runs in its cluster form (`ON CLUSTER`, Replicated and
 * Distributed tables). With `schema: 'external'` nothing is created: start-up fails,
 * naming both versions, unless the recorded version is the newest.
 */
export async function migrate(client: ClickHouseClient, db: string, steps: readonly Migration[] = MIGRATIONS, opts: SchemaOptions = {}): Promise<MigrationReport> {
  const newest = steps.at(-1)?.version ?? 0;
  if (opts.schema === 'external') {
    const current = await recordedVersion(client, db).catch((err: unknown) => {
      throw new Error(`ledger schema is managed elsewhere (ledger.schema: external), but ${db}.schema_migrations cannot be read: ${(err as Error).message}`, { cause: err });
    });
    if (current !== newest) {
      throw new Error(`ledger schema is managed elsewhere (ledger.schema: external) and is at version ${current}; this spanledger needs version ${newest}: apply the statements \`spanledger schema\` prints, then start again`);
    }
    return { applied: [], current };
  }
  const run = async (sql: string) => {
    for (const q of ddlFor(sql, opts)) await client.command({ query: q });
  };
  await run(`CREATE DATABASE IF NOT EXISTS ${db}`);
  await run(bookkeeping(db));
  let current = await recordedVersion(client, db);
  const applied: number[] = [];
  for (const step of steps) {
    if (step.version <= current) continue;
    for (const sql of step.statements(db)) await run(sql);
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

async function recordedVersion(client: ClickHouseClient, db: string): Promise<number> {
  const rs = await client.query({ query: `SELECT max(version) AS v FROM ${db}.schema_migrations`, format: 'JSONEachRow' });
  const [row] = await rs.json<{ v: number | string }>();
  return Number(row?.v ?? 0);
}

/**
 * Sets how long drill-down spans are kept; applies to new parts without rewriting old ones.
 * On a cluster it changes the data tables; with the schema managed elsewhere it is not run.
 */
export async function setSpansTtl(client: ClickHouseClient, db: string, days: number, opts: SchemaOptions = {}): Promise<void> {
  if (!Number.isInteger(days) || days < 1) throw new Error(`spansTtlDays must be a positive integer, got ${days}`);
  if (opts.schema === 'external') return;
  for (const query of ddlFor(`ALTER TABLE ${db}.spans MODIFY TTL toDateTime(timestamp) + INTERVAL ${days} DAY`, opts)) {
    await client.command({ query, clickhouse_settings: { materialize_ttl_after_modify: 0 } });
  }
}
