import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PolicyEngine } from '../policy-engine';
import { render, type GatewayCheck } from '../routes';
import type { DecideInput } from '../types';
import { readBody } from './body-estimate';
import type { ExtAuthzConfig } from './config';
import { issueLines, issuePath } from '../../pipeline';

/** Where Portkey's webhook guardrail posts, on the API port. */
export const PORTKEY_PATH = '/v1/portkey/guardrail';

// What Portkey's gateway posts to a webhook check (its hook context: plugins/default/webhook.ts
// and src/middlewares/hooks/index.ts in Portkey-AI/gateway): the request as JSON and text,
// the response once there is one, the provider, the event and the request's metadata
// (x-portkey-metadata). Unknown fields are allowed: Portkey adds to the context over time.
const hookContext = z.object({
  eventType: z.enum(['beforeRequestHook', 'afterRequestHook']).optional(),
  request: z.object({ json: z.record(z.string(), z.unknown()), text: z.string().optional(), isStreamingRequest: z.boolean().optional() }),
  response: z.object({ json: z.unknown().optional(), text: z.string().optional(), statusCode: z.number().nullable().optional() }).optional(),
  provider: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Registers Portkey's webhook guardrail on the API app: `POST /v1/portkey/guardrail` with
 * the gateway token as `Authorization: Bearer` (the webhook's headers in Portkey). Before
 * the request it answers `{verdict, data}`: `verdict: false` on deny, with the decision
 * (and its OpenAI-shaped error) in `data`. The tenant comes from the request's metadata:
 * `tenant_token` (a registry tenant token) or `tenant` (the id); the request id from
 * metadata `request_id`. After the request (`afterRequestHook`) it always passes: spend
 * arrives as spans.
 */
export function registerPortkeyGuardrail(app: FastifyInstance, opts: { engine: PolicyEngine; gateway: GatewayCheck; config: ExtAuthzConfig }): void {
  app.post(PORTKEY_PATH, async (req, reply) => {
    const check = opts.gateway(req.headers.authorization);
    if (typeof check !== 'object') {
      return reply.code(401).send({ error: { message: check === 'missing' ? 'missing gateway credentials: set the webhook header Authorization: Bearer <gateway sender token>' : 'unknown gateway credentials', type: 'unauthenticated', param: null, code: '401' } });
    }
    const parsed = hookContext.safeParse(req.body);
    if (!parsed.success) {
      const field = issuePath(parsed.error.issues[0]!);
      return reply.code(400).send({ error: { message: issueLines(parsed.error.issues).join('; '), type: 'invalid_request', param: field, code: '400' } });
    }
    const ctx = parsed.data;
    if (ctx.eventType === 'afterRequestHook') return { verdict: true, data: { reason: 'spend is counted from the call\'s span' } };
    const text = (k: string) => (typeof ctx.metadata?.[k] === 'string' && ctx.metadata[k] !== '' ? (ctx.metadata[k] as string) : undefined);
    const facts = readBody(JSON.stringify(ctx.request.json));
    const maxTokens = facts.maxTokens ?? (opts.config.defaultMaxTokens > 0 ? opts.config.defaultMaxTokens : undefined);
    const input: DecideInput = {
      tenantToken: text('tenant_token'),
      tenantId: text('tenant'),
      provider: ctx.provider,
      model: facts.model,
      maxTokens,
      estimatedInputTokens: facts.estimatedInputTokens,
      requestId: text('request_id')?.slice(0, 256),
      reserve: maxTokens !== undefined || facts.estimatedInputTokens !== undefined,
      gatewayId: check.gatewayId,
    };
    const d = opts.engine.decide(input);
    return { verdict: d.decision !== 'deny', data: render(d) };
  });
}
