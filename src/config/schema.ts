import { z } from 'zod';
import { consoleConfigSchema } from '../console/config';
import { ledgerConfigSchema } from '../ledger/config';
import { normalizeConfigSchema } from '../normalize/config';
import { ownershipConfigSchema } from '../ownership/config';
import { policyConfigSchema } from '../policy/config';
import { pricingConfigSchema } from '../pricing/config';
import { receiverConfigSchema } from '../receiver/config';
import { reportsConfigSchema } from '../reports/config';

/** The whole service configuration, composed from each room's schema. */
export const configSchema = z
  .object({
    /** Address every listener binds to. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Port of the API: health, metrics, the SQL endpoint (later: policy, reports). */
    apiPort: z.coerce.number().int().min(0).max(65535).default(8080),
    /** Guards admin and SQL endpoints; they are off without it. */
    adminToken: z.string().min(8, 'must be at least 8 characters').optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Log lines: 'auto' is readable text on a terminal and JSON (one object a line) elsewhere. */
    logFormat: z.enum(['auto', 'json', 'pretty']).default('auto'),
    /** TLS for every listener (OTLP/gRPC, OTLP/HTTP, API) when both files are set: PEM certificate chain and key. */
    tls: z
      .object({ certFile: z.string().min(1).optional(), keyFile: z.string().min(1).optional() })
      .strict()
      .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), { message: 'set both certFile and keyFile, or neither' })
      .prefault({}),
    /**
     * Longest a client may take to send one whole request (headers and body) on any port:
     * past it an HTTP request gets 408 and its connection is closed, so a body trickled
     * byte by byte cannot hold a connection and its buffers. On OTLP/gRPC it is the grace a
     * connection past `receiver.grpcMaxConnectionAgeMs` gets to finish its calls.
     */
    requestTimeoutMs: z.coerce.number().int().min(100).default(30_000),
    /**
     * The process kills itself when its event loop has not turned for this long (out of
     * heap and stuck collecting garbage, or wedged), so a supervisor restarts it; 0 = off.
     */
    watchdogStallMs: z.coerce.number().int().min(0).default(30_000),
    /** How long shutdown waits for in-flight exports before forcing. */
    shutdownGraceMs: z.coerce.number().int().min(0).default(10000),
    receiver: receiverConfigSchema.prefault({}),
    normalize: normalizeConfigSchema.prefault({}),
    ledger: ledgerConfigSchema.prefault({}),
    ownership: ownershipConfigSchema.prefault({}),
    pricing: pricingConfigSchema.prefault({}),
    policy: policyConfigSchema.prefault({}),
    console: consoleConfigSchema.prefault({}),
    reports: reportsConfigSchema.prefault({}),
  })
  .strict();

/** Validated, defaulted configuration. */
export type SpanledgerConfig = z.infer<typeof configSchema>;
