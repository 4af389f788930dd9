import { z } from 'zod';

/** The console's configuration: who may sign in and for how long a session lasts. */
export const consoleConfigSchema = z
  .object({
    /**
     * Read-only credential for the console and the read API (reports, drill-down, `/clickhouse`):
     * separate from the admin token, which signs in too. Unset: only the admin token signs in.
     */
    viewerToken: z.string().min(8, 'must be at least 8 characters').optional(),
    /** How long a console session lasts after sign-in. */
    sessionTtlS: z.coerce.number().int().min(60).max(7 * 86_400).default(12 * 3600),
    /**
     * How old the resolver pass a console page reads may be, in seconds: the page then need not
     * wait for a pass of its own (the service runs one every `ledger.resolveIntervalMs`), and
     * says when the pass it shows started. 0: every page waits for a fresh pass, as the API does by default.
     */
    maxStalenessS: z.coerce.number().int().min(0).max(3600).default(30),
    /** Most sessions held at once; past it the oldest is dropped. */
    maxSessions: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  })
  .strict();

/** Validated console configuration. */
export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;
