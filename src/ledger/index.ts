/** Ledger: ClickHouse storage (embedded chDB or a server), schema, batched writes, SQL endpoint. */
export { ledgerConfigSchema, type LedgerConfig } from './config';
export { openStorage, type StorageClients } from './storage-client';
export { migrate, setSpansTtl, type MigrationReport } from './migrate';
export { MIGRATIONS, type Migration } from './migrations';
export { createLedgerWriter, type LedgerWriter, type LedgerTelemetry, type LedgerWriterParts, type DeadLetterReplay } from './ledger-writer';
export { BatchWriter, type BatchWriterOptions, type InsertRows } from './batch-writer';
export { registerSqlEndpoint, type SqlEndpointOptions } from './sql-endpoint';
export { isReadStatement } from './read-only-sql';
export { nanosToDateTime64, CALL_COLUMNS, SPAN_COLUMNS } from './row-encoding';
export { readCallsForRepricing, writeAdjustments, type CostAdjustment, type StoredCall } from './repricing-store';
export { createWorkflowViews, type WorkflowOptions } from './workflow-views';
export { createMarkResolver, type MarkResolver, type ResolveReport } from './mark-resolver';
export { openSpool, type Spool, type SpoolRecord } from './spool';
export { openDeadLetters, type DeadLetter, type DeadLetterStore } from './dead-letters';
export { createDiskGuard, type DiskGuard, type DiskReserve } from './disk-guard';
export { readDetachedParts, type DetachedParts } from './detached-parts';
export { classifyStorageError } from './storage-errors';
export { splitByDay, MAX_DAYS_PER_INSERT } from './partition-split';
