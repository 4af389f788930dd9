import { z } from 'zod';

/**
 * Caps of the read-only SQL endpoint (`/clickhouse`). A setting a client sends is clamped
 * to its cap; one it does not send runs at the cap. Units are in the names.
 */
export const sqlConfigSchema = z
  .object({
    /** Queries the engine runs for `/clickhouse` at once; each has its own engine session. */
    maxConcurrentQueries: z.coerce.number().int().min(1).max(16).default(2),
    /** Queries waiting for a free slot; past this, 503 with Retry-After. */
    maxQueuedQueries: z.coerce.number().int().min(0).max(1000).default(16),
    /** Longest wait for a slot before the request gets 503 with Retry-After. */
    queueTimeoutMs: z.coerce.number().int().min(0).default(10_000),
    /** Largest query text, after decompression (body and `query` parameter together). */
    maxQueryBytes: z.coerce.number().int().min(1024).default(1024 * 1024),
    maxExecutionTimeS: z.coerce.number().int().min(1).default(30),
    maxMemoryUsageBytes: z.coerce.number().int().min(1024 * 1024).default(2 * 1024 * 1024 * 1024),
    maxRowsToRead: z.coerce.number().int().min(1).default(2_000_000_000),
    maxBytesToRead: z.coerce.number().int().min(1).default(200 * 1024 * 1024 * 1024),
    maxResultRows: z.coerce.number().int().min(1).default(1_000_000),
    maxResultBytes: z.coerce.number().int().min(1024).default(256 * 1024 * 1024),
    /** Engine threads one query may use; the default leaves the other cores to ingestion. */
    maxThreads: z.coerce.number().int().min(1).max(256).default(1),
  })
  .strict();

export type SqlConfig = z.infer<typeof sqlConfigSchema>;
