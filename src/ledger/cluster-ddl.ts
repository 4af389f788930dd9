/**
 * The ledger's DDL for a ClickHouse cluster, derived from the single-node statements so
 * there is one schema to read and change. On a cluster every table `T` becomes:
 *
 * - `T_local`: the data, on every replica of every shard, with the Replicated variant of
 *   its engine (`/clickhouse/tables/{shard}/{database}/{table}`, replica `{replica}`: the
 *   server's macros), and
 * - `T`: a `Distributed` table over `T_local` with the same columns, which every query and
 *   insert of spanledger uses unchanged.
 *
 * The sharding key keeps what the ledger deduplicates together on one shard, so `FINAL`
 * and the duplicate and retry rules stay exact: `cityHash64(trace_id)` for every table
 * ordered by trace (a whole trace, all its spans and calls, lives on one shard), else the
 * hash of the table's whole ORDER BY key. Every statement carries `ON CLUSTER`.
 *
 * Hand-written: no library turns ClickHouse DDL into its cluster form. It knows the shapes
 * the ledger's migrations use and refuses any other, so a new migration of another shape
 * fails the snapshot test instead of reaching a cluster wrong.
 */

/** Where a table's replicas keep their coordination state (ClickHouse server macros). */
const REPLICA_PATH = "'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'";

const CREATE_DATABASE = /^CREATE DATABASE IF NOT EXISTS ([A-Za-z_][A-Za-z0-9_]*)$/;
const CREATE_TABLE = /^CREATE TABLE IF NOT EXISTS ([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*) \(/;
const ENGINE = /ENGINE = (MergeTree|ReplacingMergeTree|SummingMergeTree|AggregatingMergeTree)(?:\(([^)]*)\))?/;
const ORDER_BY = /\n\s*ORDER BY (\([^\n]*\)|[A-Za-z_][A-Za-z0-9_]*)\s*(?:\n|$)/;
const ALTER_TABLE = /^ALTER TABLE ([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)(\s[\s\S]*)$/;
const CREATE_VIEW = /^CREATE OR REPLACE VIEW ([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*) AS /;
// Column changes apply to the Distributed table too; data-layout changes only to the local one.
const COLUMN_OP = /\b(ADD|MODIFY|DROP|COMMENT|RENAME) COLUMN\b/;
// Only `MODIFY COLUMN c CODEC(...)` clauses: no other change, and every MODIFY a codec.
const CODEC_CLAUSE = /\bMODIFY COLUMN [A-Za-z_][A-Za-z0-9_]* CODEC\(/g;
const OTHER_CLAUSE = /\b(ADD|DROP|COMMENT|RENAME|MATERIALIZE|CLEAR|ORDER BY|TTL|SETTING)\b/;
const isCodecOnly = (ops: string) => !OTHER_CLAUSE.test(ops) && (ops.match(CODEC_CLAUSE)?.length ?? 0) === (ops.match(/\bMODIFY\b/g)?.length ?? -1);
const LAYOUT_OP = /\b(ADD|DROP|MATERIALIZE|CLEAR) (INDEX|CONSTRAINT|PROJECTION)\b|\bMODIFY (TTL|ORDER BY|SETTING)\b/;

/** The name of a table's data table on a cluster. */
export const localTableName = (table: string): string => `${table}_local`;

/**
 * One single-node DDL statement as the statements to run on cluster `cluster` (an
 * identifier). Throws naming the statement when its shape is not one it knows.
 */
export function clusterStatements(sql: string, cluster: string): string[] {
  const text = sql.trim();
  const on = `ON CLUSTER ${cluster}`;
  const db = CREATE_DATABASE.exec(text);
  if (db) return [`CREATE DATABASE IF NOT EXISTS ${db[1]} ${on}`];
  const create = CREATE_TABLE.exec(text);
  if (create) {
    const [, database, table] = create as unknown as [string, string, string];
    const engine = ENGINE.exec(text);
    const order = ORDER_BY.exec(text);
    if (!engine || !order) throw new Error(`cluster DDL: CREATE TABLE ${database}.${table} needs a MergeTree-family ENGINE and an ORDER BY line`);
    const args = engine[2]?.trim();
    const replicated = `ENGINE = Replicated${engine[1]}(${REPLICA_PATH}${args ? `, ${args}` : ''})`;
    const local = text
      .replace(CREATE_TABLE, `CREATE TABLE IF NOT EXISTS ${database}.${localTableName(table)} ${on} (`)
      .replace(ENGINE, replicated);
    const orderKey = order[1]!.replace(/^\(|\)$/g, '');
    const keys = orderKey.split(',').map((k) => k.trim());
    const shardKey = keys.includes('trace_id') ? 'cityHash64(trace_id)' : `cityHash64(${orderKey})`;
    const distributed = `CREATE TABLE IF NOT EXISTS ${database}.${table} ${on} AS ${database}.${localTableName(table)}
      ENGINE = Distributed(${cluster}, ${database}, ${localTableName(table)}, ${shardKey})`;
    return [local, distributed];
  }
  const alter = ALTER_TABLE.exec(text);
  if (alter) {
    const [, database, table, ops] = alter as unknown as [string, string, string, string];
    // A codec is how the data table stores a column; the Distributed table stores nothing.
    const codecOnly = isCodecOnly(ops);
    const column = COLUMN_OP.test(ops) && !codecOnly;
    const layout = LAYOUT_OP.test(ops) || codecOnly;
    if (column && layout) throw new Error(`cluster DDL: ALTER TABLE ${database}.${table} mixes column and layout changes; write them as two statements`);
    if (!column && !layout) throw new Error(`cluster DDL: ALTER TABLE ${database}.${table}: unknown change${ops.slice(0, 80)}`);
    const local = `ALTER TABLE ${database}.${localTableName(table)} ${on}${ops}`;
    return column ? [local, `ALTER TABLE ${database}.${table} ${on}${ops}`] : [local];
  }
  const view = CREATE_VIEW.exec(text);
  if (view) return [text.replace(CREATE_VIEW, `CREATE OR REPLACE VIEW ${view[1]}.${view[2]} ${on} AS `)];
  throw new Error(`cluster DDL: no cluster form for: ${text.slice(0, 120)}`);
}

/** How the ledger's DDL reaches storage: as written, on a cluster, or not at all. */
export interface DdlTarget {
  /** A cluster name: every statement is rewritten by `clusterStatements`. */
  cluster?: string;
}

/** The statements to run for `sql` on `target`. */
export function ddlFor(sql: string, target: DdlTarget): string[] {
  return target.cluster === undefined ? [sql] : clusterStatements(sql, target.cluster);
}
