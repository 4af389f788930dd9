import { z } from 'zod';
import { extAuthzConfigSchema } from './ext-authz/config';

/** Policy settings: refresh cadence, reservations, webhooks and replica count. */
export const policyConfigSchema = z
  .object({
    /**
     * How often spend and other replicas' reservations are reloaded from ClickHouse. Each
     * refresh reads the period's calls (a month-long scan on a large ledger), so shorter
     * means tighter budgets across replicas and more ClickHouse work. Spend this replica
     * ingests counts at once either way.
     */
    refreshMs: z.coerce.number().int().min(50).default(5000),
    /** Reservations not settled by then are released. */
    reservationTtlMs: z.coerce.number().int().min(1000).default(600_000),
    /**
     * Most reservations held open at once. Past it the oldest are released early (and
     * counted): a gateway that reserves but whose calls never come back as spans or settles
     * would otherwise grow memory for a whole `reservationTtlMs`.
     */
    maxOpenReservations: z.coerce.number().int().min(1).default(1_000_000),
    /** This replica's stable name (its reservation snapshots are its own); the host name by default. */
    replicaId: z.string().min(1).max(128).optional(),
    /** Replicas serving decisions; per-tenant rate limits are divided among them. */
    replicas: z.coerce.number().int().min(1).default(1),
    /**
     * Which decisions are stored in `policy_decisions`: all; sampled (every warn and deny,
     * and `decisionSampleRate` of allows); warn_deny; or none. Every decision still reaches
     * the ledger row of its call (policy_decision_id) through the request id.
     */
    recordDecisions: z.enum(['all', 'sampled', 'warn_deny', 'none']).default('sampled'),
    decisionSampleRate: z.coerce.number().min(0).max(1).default(0.01),
    /**
     * A call asking to reserve, of a tenant with a budget, for a model the allowlist accepts
     * but nothing prices: `deny` it (reason `model_unpriced`), or `reserve` its tokens at
     * `unpricedReserveUsdPerMillionTokens`. Without either, it would hold nothing however
     * many tokens it may use.
     */
    unpricedModels: z.enum(['deny', 'reserve']).default('deny'),
    /** The fallback rate for input plus maximum output tokens; high on purpose (a dear model's output rate). */
    unpricedReserveUsdPerMillionTokens: z.coerce
      .string()
      .regex(/^\d{1,12}(\.\d{1,9})?$/, 'must be a non-negative decimal number of USD, e.g. "75" or "0.5"')
      .default('75'),
    /** Endpoints that receive budget events, signed with HMAC-SHA256 of the secret. */
    webhooks: z
      .array(z.object({ url: z.url({ protocol: /^https?$/ }), secret: z.string().min(16, 'must be at least 16 characters') }).strict())
      .default([]),
    /** First webhook retry delay; doubles per attempt. */
    webhookRetryBaseMs: z.coerce.number().int().min(1).default(1000),
    webhookMaxAttempts: z.coerce.number().int().min(1).max(20).default(6),
    /** Envoy ext_authz (gRPC and HTTP) for gateways that ask with configuration alone. */
    extAuthz: extAuthzConfigSchema.prefault({}),
  })
  .strict();

export type PolicyConfig = z.infer<typeof policyConfigSchema>;
