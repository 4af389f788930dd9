import { z } from 'zod';

/** A credential as stored: `sha256:` and 64 hex digits of the token's SHA-256. Never the token. */
export const tokenHashSchema = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" followed by 64 lowercase hex digits (run: spanledger hash-token)');

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be letters, digits, ".", "_" or "-"');
const decimal = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .pipe(z.string().regex(/^\d+(\.\d{1,9})?$/, 'must be a non-negative decimal amount with at most 9 decimals'));

const budgetSchema = z
  .object({
    amount: decimal,
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').default('USD'),
    period: z.enum(['day', 'week', 'month']).default('month'),
    warnAtPercent: z.number().gt(0).max(100).default(80),
    timeZone: z.string().default('UTC'),
  })
  .strict();

const tenantSchema = z
  .object({
    id,
    team: z.string().min(1),
    app: z.string().min(1),
    /** Feature used when a span declares none (or one the tenant may not set). */
    feature: z.string().default(''),
    environment: z.string().default(''),
    /** Features a span may declare; absent means any. */
    features: z.array(z.string().min(1)).optional(),
    /** Hashes of the tenant tokens a gateway authenticates callers with. */
    tokens: z.array(tokenHashSchema).default([]),
    budget: budgetSchema.optional(),
    rateLimits: z
      .object({
        requestsPerMinute: z.number().int().positive().optional(),
        tokensPerMinute: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    /** Model globs such as `openai/gpt-4o*` or `claude-*`, or `@group` from `modelGroups`. */
    allowedModels: z.array(z.string().min(1)).optional(),
  })
  .strict();

const senderSchema = z
  .object({
    id,
    token: tokenHashSchema,
    /** The one tenant every span of this sender belongs to. */
    tenant: id.optional(),
    /** A trusted gateway: each span names its tenant. */
    gateway: z.boolean().default(false),
  })
  .strict()
  .refine((s) => !(s.gateway && s.tenant !== undefined), { message: 'a sender is either a gateway or bound to a tenant, not both', path: ['tenant'] });

const serviceSchema = z
  .object({
    /** Resource attributes that must all be equal, e.g. `service.name: billing-worker`. */
    match: z.record(z.string(), z.string()).refine((m) => Object.keys(m).length > 0, 'needs at least one resource attribute'),
    tenant: id,
  })
  .strict();

const ownershipEntrySchema = z
  .object({
    costCenter: z.string().default(''),
    businessUnit: z.string().default(''),
    /** A team budget, rolling up all the team's tenants. */
    budget: budgetSchema.optional(),
    /** Internal transfer multiplier applied to the team's chargeback (e.g. "1.1" for a 10% platform fee). */
    transferMultiplier: z
      .union([z.string(), z.number()])
      .transform(String)
      .pipe(z.string().regex(/^\d+(\.\d{1,9})?$/, 'must be a non-negative decimal'))
      .default('1'),
  })
  .strict();

/** The service-identity registry file. Cross-references are checked too. */
export const registrySchema = z
  .object({
    tenants: z.array(tenantSchema).default([]),
    senders: z.array(senderSchema).default([]),
    services: z.array(serviceSchema).default([]),
    /** Finance roll-up (and optional team budget) per team. */
    ownership: z.record(z.string(), ownershipEntrySchema).default({}),
    /** Named lists of model globs, used in allowedModels as `@name`. */
    modelGroups: z.record(z.string(), z.array(z.string().min(1))).default({}),
  })
  .strict()
  .superRefine((reg, ctx) => {
    const tenantIds = new Set<string>();
    reg.tenants.forEach((t, i) => {
      if (tenantIds.has(t.id)) ctx.addIssue({ code: 'custom', path: ['tenants', i, 'id'], message: `duplicate tenant id "${t.id}"` });
      tenantIds.add(t.id);
    });
    const tokenOwners = new Map<string, string>();
    const claimToken = (hash: string, owner: string, path: (string | number)[]) => {
      const other = tokenOwners.get(hash);
      if (other !== undefined) ctx.addIssue({ code: 'custom', path, message: `token hash already used by ${other}` });
      else tokenOwners.set(hash, owner);
    };
    reg.tenants.forEach((t, i) => t.tokens.forEach((h, j) => claimToken(h, `tenant "${t.id}"`, ['tenants', i, 'tokens', j])));
    const senderIds = new Set<string>();
    reg.senders.forEach((s, i) => {
      if (senderIds.has(s.id)) ctx.addIssue({ code: 'custom', path: ['senders', i, 'id'], message: `duplicate sender id "${s.id}"` });
      senderIds.add(s.id);
      if (s.tenant !== undefined && !tenantIds.has(s.tenant)) {
        ctx.addIssue({ code: 'custom', path: ['senders', i, 'tenant'], message: `unknown tenant "${s.tenant}"` });
      }
      claimToken(s.token, `sender "${s.id}"`, ['senders', i, 'token']);
    });
    reg.tenants.forEach((t, i) =>
      (t.allowedModels ?? []).forEach((m, j) => {
        if (m.startsWith('@') && reg.modelGroups[m.slice(1)] === undefined) {
          ctx.addIssue({ code: 'custom', path: ['tenants', i, 'allowedModels', j], message: `unknown model group "${m.slice(1)}"` });
        }
      }),
    );
    reg.services.forEach((s, i) => {
      if (!tenantIds.has(s.tenant)) ctx.addIssue({ code: 'custom', path: ['services', i, 'tenant'], message: `unknown tenant "${s.tenant}"` });
    });
  });

export type Registry = z.infer<typeof registrySchema>;
export type Tenant = Registry['tenants'][number];
export type Budget = NonNullable<Tenant['budget']>;
