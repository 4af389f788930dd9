import type { FastifyInstance, FastifyRequest } from 'fastify';
import { accessHook, ApiError, type AccessCheck, type Lane } from '../pipeline';
import { untilClientGone } from './report-lane';
import { parseMaxStaleness, RESOLVED_AT_HEADER, type Resolve } from './staleness';
import type { createWorkflowQueries } from './workflow-queries';

/** Checks a request's admin credential: 'ok', 'disabled' or 'denied'. */
export type AdminCheck = (req: FastifyRequest) => AccessCheck;

const DAY_MS = 86_400_000;
/** What the report and drill-down routes take, for their 401's message. */
export const READERS = 'the admin token or the viewer credential';

/**
 * Registers the drill-down API for scripts, guarded by the admin token:
 * `GET /v1/traces/{trace_id}/cost` (span tree with each call's cost and subtree costs) and
 * `GET /v1/sessions/{session_id}/cost?from=&to=` (totals and traces; the last 30 days by default),
 * `GET /v1/sessions?from=&to=&team=&limit=` (the costliest sessions, 50 by default, at most 1000).
 * The session routes run a mark resolver pass first, or accept a recent one with
 * `?max_staleness_s=` as the reports do; the trace route applies the rules live. Every route
 * runs in `lane`, the one the reports use too.
 */
export function registerWorkflowRoutes(app: FastifyInstance, opts: { queries: ReturnType<typeof createWorkflowQueries>; authorize: AdminCheck; resolve: Resolve; lane: Lane }): void {
  void app.register(async (scope) => {
    scope.addHook('onRequest', accessHook(opts.authorize, 'report endpoints', READERS));
    // Figures of the ledger, for one caller: no shared cache keeps them.
    scope.addHook('onSend', async (_req, reply) => void reply.header('cache-control', 'no-store'));
    scope.get<{ Params: { traceId: string } }>('/v1/traces/:traceId/cost', async (req, reply) => {
      const id = req.params.traceId.toLowerCase();
      if (!/^[0-9a-f]{32}$/.test(id)) throw new ApiError.invalidRequest('trace_id must be 32 hex characters');
      const result = await opts.lane.run(() => opts.queries.trace(id), untilClientGone(reply));
      if (result === undefined || result === null) throw new ApiError.notFound(`no spans of trace ${id} are stored`);
      return result;
    });
    scope.get<{ Querystring: { from?: string; to?: string; team?: string; limit?: string; max_staleness_s?: string } }>('/v1/sessions', async (req, reply) => {
      const to = req.query.to ? Date.parse(req.query.to) : Date.now() + 60_000;
      const from = req.query.from ? Date.parse(req.query.from) : to - 30 * DAY_MS;
      if (Number.isNaN(from) || Number.isNaN(to) || to <= from) throw new ApiError.invalidRequest('from and to must be ISO dates, from before to');
      const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ApiError.invalidRequest('limit must be an integer from 1 to 1000');
      const team = req.query.team ?? '';
      if (team.length > 256) throw new ApiError.invalidRequest('team must be at most 256 characters');
      const maxStalenessMs = parseMaxStaleness(req.query.max_staleness_s);
      return opts.lane.run(async () => {
        const resolved = await opts.resolve(maxStalenessMs);
        void reply.header(RESOLVED_AT_HEADER, resolved.startedAt);
        return opts.queries.sessions(chTime(from), chTime(to), team, limit);
      }, untilClientGone(reply));
    });
    scope.get<{ Params: { sessionId: string }; Querystring: { from?: string; to?: string; max_staleness_s?: string } }>('/v1/sessions/:sessionId/cost', async (req, reply) => {
      const to = req.query.to ? Date.parse(req.query.to) : Date.now() + 60_000;
      const from = req.query.from ? Date.parse(req.query.from) : to - 30 * DAY_MS;
      if (Number.isNaN(from) || Number.isNaN(to) || to <= from) throw new ApiError.invalidRequest('from and to must be ISO dates, from before to');
      const maxStalenessMs = parseMaxStaleness(req.query.max_staleness_s);
      const result = await opts.lane.run(async () => {
        const resolved = await opts.resolve(maxStalenessMs);
        void reply.header(RESOLVED_AT_HEADER, resolved.startedAt);
        return opts.queries.session(req.params.sessionId, chTime(from), chTime(to));
      }, untilClientGone(reply));
      if (result === undefined || result === null) throw new ApiError.notFound(`no calls of session ${req.params.sessionId} between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}`);
      return result;
    });
  });
}

/** A ClickHouse DateTime64 literal in UTC. */
function chTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
