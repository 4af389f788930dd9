import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { z } from 'zod';
import type { PolicyEngine } from './policy-engine';
import { decimalUsd } from './budget-message';
import type { PolicyStore } from './policy-store';
import type { Decision, PolicyReason } from './types';
import { issueLines } from '../pipeline';

/**
 * Checks the gateway credential of a request: the gateway sender's id when it is one,
 * else 'missing' (no bearer token) or 'denied' (not a gateway sender's).
 */
export type GatewayCheck = (authorization: string | undefined) => { gatewayId: string } | 'missing' | 'denied';

const decideBody = z
  .object({
    tenant_id: z.string().min(1).optional(),
    tenant_token: z.string().min(1).optional(),
    tenant_token_sha256: z.string().min(1).optional(),
    provider: z.string().optional(),
    model: z.string().optional(),
    estimated_input_tokens: z.number().int().nonnegative().optional(),
    max_tokens: z.number().int().nonnegative().optional(),
    request_id: z.string().max(256).optional(),
    reserve: z.boolean().optional(),
  })
  .strict();

// The decide body is checked by fastify's compiled validator (ajv) from this same schema:
// on the hot path it costs a fraction of a zod parse (bench/policy.bench.ts).
const DECIDE_JSON_SCHEMA = z.toJSONSchema(decideBody, { io: 'input', target: 'draft-7' });

const BUDGET_JSON_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    scope: { type: 'string' }, subject: { type: 'string' }, currency: { type: 'string' }, period: { type: 'string' },
    limit: { type: 'string' }, spent: { type: 'string' }, reserved: { type: 'string' }, remaining: { type: 'string' },
    warn_at_percent: { type: 'number' }, period_start: { type: 'string' }, period_end: { type: 'string' }, resets_at: { type: 'string' },
  },
};

/**
 * The decision as fastify serializes it (a compiled serializer, faster than JSON.stringify
 * on the hot path). Every field `render` writes must be here, or it is dropped; a test walks
 * a fully populated decision to keep the two together.
 */
export const DECISION_JSON_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    decision: { type: 'string' }, decision_id: { type: 'string' }, reason: { type: 'string' }, tenant: { type: 'string' }, message: { type: 'string' },
    budget: BUDGET_JSON_SCHEMA,
    other_budgets: { type: 'array', items: BUDGET_JSON_SCHEMA },
    reservation: { type: 'object', properties: { id: { type: 'string' }, amount: { type: 'string' }, expires_at: { type: 'string' } } },
    retry_after: { type: 'integer' },
    error: { type: 'object', properties: { message: { type: 'string' }, type: { type: 'string' }, param: { type: 'null' }, code: { type: 'string' } } },
  },
};

const settleBody = z
  .object({
    reservation_id: z.string().min(1).optional(),
    request_id: z.string().min(1).optional(),
    tenant_id: z.string().min(1).optional(),
    tenant_token: z.string().min(1).optional(),
    tenant_token_sha256: z.string().min(1).optional(),
  })
  .strict()
  .refine((b) => b.reservation_id !== undefined || b.request_id !== undefined, 'give reservation_id or request_id')
  .refine((b) => b.request_id === undefined || b.reservation_id !== undefined || b.tenant_id !== undefined || b.tenant_token !== undefined || b.tenant_token_sha256 !== undefined, {
    path: ['tenant_id'],
    message: 'request ids are per tenant: give tenant_id, tenant_token or tenant_token_sha256 with request_id',
  });

/** The HTTP status (as text) each deny reason calls for: OpenAI-style error codes the gateway can return as they are. */
export const HTTP_CODE: Record<PolicyReason, string> = {
  budget_exceeded: '429',
  rate_limited: '429',
  model_not_allowed: '403',
  model_unpriced: '403',
  unknown_tenant: '401',
  missing_metadata: '400',
  budget_warning: '200',
};

/**
 * Registers the policy API for gateways: `POST /v1/policy/decide`, `POST /v1/policy/settle`,
 * `GET /v1/policy/events`, and its description at `GET /openapi.json`. Decide and settle
 * need a gateway sender's bearer token from the registry.
 */
export function registerPolicyRoutes(app: FastifyInstance, opts: { engine: PolicyEngine; store: PolicyStore; gateway: GatewayCheck }): void {
  void app.register(async (scope) => policyRoutes(scope, opts));
}

async function policyRoutes(app: FastifyInstance, opts: { engine: PolicyEngine; store: PolicyStore; gateway: GatewayCheck }): Promise<void> {
  // Bodies are validated by a strict schema right after, so the plain parser is enough
  // (it builds no prototype links from "__proto__" keys) and it is the faster one.
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
    try {
      done(null, body === '' ? {} : JSON.parse(body as string));
    } catch (err) {
      done(Object.assign(err as Error, { statusCode: 400 }), undefined);
    }
  });
  const iso = isoMemo();
  /** The asking gateway's sender id, or undefined once a 401 is sent. */
  const guard = (req: FastifyRequest, reply: FastifyReply): string | undefined => {
    const check = opts.gateway(req.headers.authorization);
    if (typeof check === 'object') return check.gatewayId;
    void reply.code(401).send({ error: { message: check === 'missing' ? 'missing gateway credentials: send Authorization: Bearer <gateway sender token>' : 'unknown gateway credentials', type: 'unauthenticated', param: null, code: '401' } });
    return undefined;
  };

  const decideSchema: FastifySchema = { body: DECIDE_JSON_SCHEMA, response: { 200: DECISION_JSON_SCHEMA } };
  // A plain (not async) handler: the hot path skips a promise and a microtask per request.
  app.post('/v1/policy/decide', { schema: decideSchema, attachValidation: true }, (req, reply) => {
    const gatewayId = guard(req, reply);
    if (gatewayId === undefined) return;
    if (req.validationError) {
      void reply.code(400).send(invalidBody(req.validationError));
      return;
    }
    const b = req.body as z.infer<typeof decideBody>;
    const decision = opts.engine.decide({
      tenantId: b.tenant_id, tenantToken: b.tenant_token, tenantTokenSha256: b.tenant_token_sha256, provider: b.provider, model: b.model,
      estimatedInputTokens: b.estimated_input_tokens, maxTokens: b.max_tokens, requestId: b.request_id,
      reserve: b.reserve ?? (b.estimated_input_tokens !== undefined || b.max_tokens !== undefined), gatewayId,
    });
    void reply.send(render(decision, iso));
  });

  app.post('/v1/policy/settle', async (req, reply) => {
    const gatewayId = guard(req, reply);
    if (gatewayId === undefined) return reply;
    const parsed = settleBody.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send(invalid(parsed.error));
    const b = parsed.data;
    const released = opts.engine.settle({
      reservationId: b.reservation_id, requestId: b.request_id, tenantId: b.tenant_id, tenantToken: b.tenant_token, tenantTokenSha256: b.tenant_token_sha256, gatewayId,
    });
    return reply.code(released ? 200 : 404).send({ released });
  });

  app.get('/v1/policy/events', async (req, reply) => {
    if (guard(req, reply) === undefined) return reply;
    const q = req.query as { since?: string; tenant?: string; limit?: string };
    const since = q.since ? Date.parse(q.since) : 0;
    if (Number.isNaN(since)) return reply.code(400).send({ error: { message: 'since must be an ISO date', type: 'invalid_request', param: 'since', code: '400' } });
    return { events: await opts.store.listEvents({ since, tenant: q.tenant, limit: Math.min(Number(q.limit ?? 100) || 100, 1000) }) };
  });

  app.get('/openapi.json', async () => openApi());
}

function invalid(err: z.ZodError): Record<string, unknown> {
  const first = err.issues[0];
  return { error: { message: issueLines(err.issues).join('; '), type: 'invalid_request', param: first?.path.join('.') || null, code: '400' } };
}

/** A 400 body naming every field the validator refused and why. */
function invalidBody(err: FastifyValidationError): Record<string, unknown> {
  const issues = (err.validation ?? []).map((v) => {
    const extra = (v.params as { additionalProperty?: string } | undefined)?.additionalProperty;
    const field = v.instancePath.slice(1).replace(/\//g, '.') || extra || 'body';
    return { field, message: extra ? `unknown field ${extra}` : (v.message ?? 'invalid') };
  });
  const message = issues.length ? issues.map((i) => `${i.field}: ${i.message}`).join('; ') : err.message;
  return { error: { message, type: 'invalid_request', param: issues[0]?.field ?? null, code: '400' } };
}

type FastifyValidationError = Error & { validation?: { instancePath: string; message?: string; params?: unknown }[] };

/** The wire form of a decision: snake_case, money as exact decimal strings. */
export function render(d: Decision, isoOf: (ms: number) => string = (ms) => new Date(ms).toISOString()): Record<string, unknown> {
  const out: Record<string, unknown> = { decision: d.decision, decision_id: d.decisionId };
  if (d.reason) out.reason = d.reason;
  if (d.tenant) out.tenant = d.tenant;
  if (d.message) out.message = d.message;
  const budget = (b: Decision['budgets'][number]) => {
    const remaining = b.limitNano - b.spentNano - b.reservedNano;
    const end = isoOf(b.periodEndMs);
    return {
      scope: b.scope, subject: b.subject, currency: b.currency, period: b.period,
      limit: decimalUsd(b.limitNano), spent: decimalUsd(b.spentNano), reserved: decimalUsd(b.reservedNano),
      remaining: decimalUsd(remaining > 0n ? remaining : 0n), warn_at_percent: b.warnAtPercent,
      period_start: isoOf(b.periodStartMs), period_end: end, resets_at: end,
    };
  };
  if (d.budgets.length > 0) out.budget = budget(d.budgets[0]!);
  if (d.budgets.length > 1) out.other_budgets = d.budgets.slice(1).map(budget);
  if (d.reservation) out.reservation = { id: d.reservation.id, amount: decimalUsd(d.reservation.amountNano), expires_at: isoOf(d.reservation.expiresAtMs) };
  if (d.retryAfterS !== undefined) out.retry_after = d.retryAfterS;
  if (d.decision === 'deny' && d.reason) out.error = { message: d.message ?? d.reason, type: d.reason, param: null, code: HTTP_CODE[d.reason] };
  return out;
}

/**
 * ISO text of an instant, memoized: period bounds repeat on every decision of a period, and
 * expiries on every decision of the same millisecond.
 */
function isoMemo(): (ms: number) => string {
  const seen = new Map<number, string>();
  return (ms) => {
    let s = seen.get(ms);
    if (s === undefined) {
      if (seen.size > 10_000) seen.clear();
      s = new Date(ms).toISOString();
      seen.set(ms, s);
    }
    return s;
  };
}

function openApi(): Record<string, unknown> {
  const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' });
  return {
    openapi: '3.1.0',
    info: { title: 'spanledger policy API', version: '1' },
    components: { securitySchemes: { gateway: { type: 'http', scheme: 'bearer', description: 'a gateway sender token from the registry' } } },
    security: [{ gateway: [] }],
    paths: {
      '/v1/policy/decide': {
        post: {
          summary: 'Ask before an LLM call: allow, warn or deny, with the budget state and an OpenAI-style error to return on deny',
          requestBody: { required: true, content: { 'application/json': { schema: json(decideBody) } } },
          responses: {
            200: { description: 'The decision: decision, decision_id, reason, tenant, message, budget {limit, spent, reserved, remaining, currency, period_start, period_end, resets_at}, reservation, retry_after, error' },
            400: { description: 'Malformed body' },
            401: { description: 'Missing or unknown gateway credentials' },
          },
        },
      },
      '/v1/policy/settle': {
        post: {
          summary: 'Release a reservation early (the call was not made, or finished), by its id or by request id with the tenant; only the gateway that reserved may; spans of the same tenant arriving in the ledger settle it too',
          requestBody: { required: true, content: { 'application/json': { schema: json(settleBody) } } },
          responses: { 200: { description: '{released: true}' }, 404: { description: 'No open reservation matched' } },
        },
      },
      '/v1/policy/events': {
        get: {
          summary: 'Budget events (budget_warning, budget_exhausted, budget_exceeded), newest first',
          parameters: [
            { name: 'since', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'tenant', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 1000 } },
          ],
          responses: { 200: { description: '{events: [...]}' } },
        },
      },
    },
  };
}
