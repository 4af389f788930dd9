import { ddlFor, type DdlTarget } from './cluster-ddl';
import { schemaStatements } from './migrate';
import { MIGRATIONS } from './migrations';
import { workflowViewStatements, type WorkflowOptions } from './workflow-views';

/** What the schema script depends on besides the database name. */
export interface SchemaScriptOptions extends DdlTarget, WorkflowOptions {
  spansTtlDays: number;
}

/**
 * Everything spanledger would run against an empty database at start, in order, for an
 * operator who manages the schema elsewhere (`ledger.schema: external`): the migrations,
 * the version rows that tell spanledger the schema is current, the spans TTL and the
 * views. On a cluster, each statement in its cluster form.
 */
export function schemaScript(db: string, o: SchemaScriptOptions): string[] {
  const versions = MIGRATIONS.map((m) => `(${m.version}, '${m.name.replace(/'/g, "''")}')`).join(', ');
  return [
    ...schemaStatements(db, o),
    `INSERT INTO ${db}.schema_migrations (version, name) VALUES ${versions}`,
    ...ddlFor(`ALTER TABLE ${db}.spans MODIFY TTL toDateTime(timestamp) + INTERVAL ${o.spansTtlDays} DAY`, o),
    ...workflowViewStatements(db, o).flatMap((sql) => ddlFor(sql, o)),
  ];
}
