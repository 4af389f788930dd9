import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { createWorkflowQueries } from './workflow-queries';

/** Checks a request's admin credential: 'ok', 'disabled' or 'denied'. */
export type AdminCheck = (req: FastifyRequest) => 'ok' | 'disabled' | 'denied';

const DAY_MS = 86_400_000;

/**
 * Registers the drill-down API for scripts, guarded by the admin token:
 * `GET /v1/traces/{trace_id}/cost` (span tree with each call's cost and subtree costs) and
 * `GET /v1/sessions/{session_id}/cost?from=&to=` (totals and traces; the last 30 days by default),
 * `GET /v1/sessions?from=&to=&team=&limit=` (the costliest sessions, 50 by default, at most 1000).
 */
export function registerWorkflowRoutes(app: FastifyInstance, opts: { queries: ReturnType<typeof createWorkflowQueries>; authorize: AdminCheck; resolve: () => Promise<unknown> }): void {
  const guard = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const check = opts.authorize(req);
    if (check === 'ok') return true;
    void reply.code(check === 'disabled' ? 403 : 401).send({ error: check === 'disabled' ? 'report endpoints are disabled: start spanledger with --admin-token' : 'the admin token is required' });
    return false;
  };
  app.get<{ Params: { traceId: string } }>('/v1/traces/:traceId/cost', async (req, reply) => {
    if (!guard(req, reply)) return reply;
    const id = req.params.traceId.toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(id)) return reply.code(400).send({ error: 'trace_id must be 32 hex characters' });
    const result = await opts.queries.trace(id);
    return result ?? reply.code(404).send({ error: `no spans of trace ${id} are stored` });
  });
  app.get<{ Querystring: { from?: string; to?: string; team?: string; limit?: string } }>('/v1/sessions', async (req, reply) => {
    if (!guard(req, reply)) return reply;
    const to = req.query.to ? Date.parse(req.query.to) : Date.now() + 60_000;
    const from = req.query.from ? Date.parse(req.query.from) : to - 30 * DAY_MS;
    if (Number.isNaN(from) || Number.isNaN(to) || to <= from) return reply.code(400).send({ error: 'from and to must be ISO dates, from before to' });
    const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return reply.code(400).send({ error: 'limit must be an integer from 1 to 1000' });
    const team = req.query.team ?? '';
    if (team.length > 256) return reply.code(400).send({ error: 'team must be at most 256 characters' });
    await opts.resolve();
    return opts.queries.sessions(chTime(from), chTime(to), team, limit);
  });
  app.get<{ Params: { sessionId: string }; Querystring: { from?: string; to?: string } }>('/v1/sessions/:sessionId/cost', async (req, reply) => {
    if (!guard(req, reply)) return reply;
    const to = req.query.to ? Date.parse(req.query.to) : Date.now() + 60_000;
    const from = req.query.from ? Date.parse(req.query.from) : to - 30 * DAY_MS;
    if (Number.isNaN(from) || Number.isNaN(to) || to <= from) return reply.code(400).send({ error: 'from and to must be ISO dates, from before to' });
    await opts.resolve();
    const result = await opts.queries.session(req.params.sessionId, chTime(from), chTime(to));
    return result ?? reply.code(404).send({ error: `no calls of session ${req.params.sessionId} between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}` });
  });
}

/** A ClickHouse DateTime64 literal in UTC. */
function chTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
