import { z } from 'zod';

/**
 * How many report, drill-down and session requests run at once: each reads the ledger on
 * the engine threads that ingestion's inserts share, so a flood of readers must queue (and
 * past the queue get 503 with Retry-After) rather than crowd out the writes.
 */
export const reportsConfigSchema = z
  .object({
    /** Requests running at once (each may run several engine queries in turn). */
    maxConcurrentRequests: z.coerce.number().int().min(1).max(64).default(4),
    /** Requests waiting for a slot; past this, 503 with Retry-After. */
    maxQueuedRequests: z.coerce.number().int().min(0).max(10_000).default(64),
    /** Longest wait for a slot before the request gets 503 with Retry-After. */
    queueTimeoutMs: z.coerce.number().int().min(0).max(600_000).default(30_000),
  })
  .strict();

/** Validated reports configuration. */
export type ReportsConfig = z.infer<typeof reportsConfigSchema>;
