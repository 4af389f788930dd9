/** Ledger: ClickHouse storage (embedded chDB or a server), schema, batched writes, SQL endpoint. */
export { ledgerConfigSchema, type LedgerConfig } from './config';
export { openStorage, type StorageClients } from './storage-client';
export { migrate, setSpansTtl, type MigrationReport } from './migrate';
export { MIGRATIONS, type Migration } from './migrations';
export { createLedgerWriter, type LedgerWriter, type LedgerTelemetry } from './ledger-writer';
export { BatchWriter, type BatchWriterOptions, type InsertRows } from './batch-writer';
export { registerSqlEndpoint, type SqlEndpointOptions } from './sql-endpoint';
export { openSqlSandbox, type SqlSandbox, type SqlRequest, type SqlAnswer } from './sql-sandbox';
export { sqlConfigSchema, type SqlConfig } from './sql-config';
export { nanosToDateTime64, CALL_COLUMNS, SPAN_COLUMNS } from './row-encoding';
export { readCallsForRepricing, writeAdjustments, type CostAdjustment, type StoredCall } from './repricing-store';
export { createWorkflowViews, type WorkflowOptions } from './workflow-views';
export { createMarkResolver, type MarkResolver, type ResolveReport } from './mark-resolver';
export { openSpool, type Spool, type SpoolRecord } from './spool';
