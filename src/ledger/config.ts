import * as path from 'node:path';
import { z } from 'zod';
import { sqlConfigSchema } from './sql-config';

/** Storage settings: embedded chDB in `dataDir`, or a ClickHouse server at `clickhouseUrl`. */
export const ledgerConfigSchema = z
  .object({
    /** Embedded chDB data directory (ignored when `clickhouseUrl` is set). */
    dataDir: z.string().min(1).default('./data'),
    /** A ClickHouse server's HTTP(S) URL; when set, it is used instead of embedded chDB. */
    clickhouseUrl: z.url({ protocol: /^https?$/ }).optional(),
    clickhouseUser: z.string().default('default'),
    clickhousePassword: z.string().default(''),
    /** Database holding the ledger; an identifier, as it is written into DDL. */
    database: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain identifier (letters, digits, underscore)')
      .default('spanledger'),
    /** Days the `spans` table keeps drill-down spans; `llm_calls` is kept forever. */
    spansTtlDays: z.coerce.number().int().min(1).max(3650).default(30),
    /** A batch is written when it holds this many rows... */
    batchMaxRows: z.coerce.number().int().min(1).default(20000),
    /** ...or when its oldest row has waited this long. */
    batchMaxDelayMs: z.coerce.number().int().min(0).default(200),
    /** ...but only this long while no batch is being written (senders waiting for their acknowledgement add nothing meanwhile). */
    batchIdleLingerMs: z.coerce.number().int().min(0).default(20),
    /** A batch of twice this many rows or more is split across free insert slots, to be parsed on several cores. */
    batchSplitMinRows: z.coerce.number().int().min(1).default(2048),
    /** Batches written to one table at the same time. */
    batchConcurrency: z.coerce.number().int().min(1).max(16).default(2),
    /** Which report of a call reported twice (SDK span and gateway span) is billed. */
    duplicateWinner: z.enum(['gateway', 'sdk']).default('gateway'),
    /** A failed call followed by another with the same parent and model within this many seconds is retried by it. */
    retryWindowS: z.coerce.number().int().min(1).max(3600).default(60),
    /** How often duplicate and retry marks are brought up to date in the background (reports also do it first). */
    resolveIntervalMs: z.coerce.number().int().min(100).default(5000),
    /** Reconciliation: the ledger matches an invoice when the gap is within this percentage. */
    reconciliationTolerancePct: z.coerce.number().min(0).max(100).default(2),
    /**
     * Reconciliation: a gap on the first or last day of a period is put down to timing only when
     * the ledger has calls of that provider and model family within this many hours of the
     * period's edge (either side) costing at least the gap.
     */
    reconciliationBoundaryHours: z.coerce.number().min(0).max(72).default(6),
    /** Spool directory for exports storage cannot take (default: `<dataDir>.spool/<database>`, or `./spool/<database>` with a server). */
    spoolDir: z.string().min(1).optional(),
    /** Spool size cap; past it, exports get a retryable refusal. 0 turns the spool off. */
    spoolMaxBytes: z.coerce.number().int().min(0).default(1024 * 1024 * 1024),
    /**
     * Free space kept on the data directory's and the spool's filesystems: below the larger of
     * `diskReserveMb` and `diskReservePercent` of the filesystem, exports get 503 + Retry-After
     * and /readyz fails, so merges (which write a new part before dropping the old ones) never
     * run out of space. Both 0 turn the guard off.
     */
    diskReserveMb: z.coerce.number().int().min(0).default(1024),
    diskReservePercent: z.coerce.number().min(0).max(90).default(5),
    /** How often free space is checked. */
    diskCheckIntervalMs: z.coerce.number().int().min(10).default(1000),
    /** Rows waiting for storage beyond which exports are refused as retryable (backpressure). */
    maxPendingRows: z.coerce.number().int().min(1).default(500000),
    /** Caps of the read-only SQL endpoint `/clickhouse`. */
    sql: sqlConfigSchema.prefault({}),
    /**
     * A ClickHouse cluster (as named in the servers' `remote_servers`): DDL runs `ON CLUSTER`,
     * data tables are Replicated and sharded by trace behind Distributed tables. Server mode only.
     */
    cluster: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain identifier (letters, digits, underscore)')
      .optional(),
    /** `external`: the schema is managed elsewhere; spanledger runs no DDL and checks the version at start. */
    schema: z.enum(['managed', 'external']).default('managed'),
  })
  .strict()
  .refine((c) => c.cluster === undefined || c.clickhouseUrl !== undefined, {
    message: 'needs ledger.clickhouseUrl: embedded chDB is one node',
    path: ['cluster'],
  });

export type LedgerConfig = z.infer<typeof ledgerConfigSchema>;

/**
 * The spool directory in force: `spoolDir` when set, else `<dataDir>.spool/<database>` next
 * to embedded storage, or `./spool/<database>` (from the working directory) with a server.
 */
export function spoolDirOf(cfg: Pick<LedgerConfig, 'spoolDir' | 'clickhouseUrl' | 'dataDir' | 'database'>): string {
  return cfg.spoolDir ?? path.join(cfg.clickhouseUrl === undefined ? `${path.resolve(cfg.dataDir)}.spool` : path.resolve('spool'), cfg.database);
}
