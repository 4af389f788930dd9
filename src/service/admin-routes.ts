import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { createRepricingStore, type DeadLetter, type DeadLetterReplay } from '../ledger';
import { rerate, type PriceBook, type PricingConfig } from '../pricing';
import { accessHook, ApiError, issueLines, type AccessCheck } from '../pipeline';

/** What the admin routes work on. */
export interface AdminRouteOptions {
  /** The admin-token check: a read-only credential is told so (403), whatever the method. */
  authorize: (req: FastifyRequest) => AccessCheck;
  client: ClickHouseClient;
  database: string;
  priceBook: () => PriceBook;
  billing: PricingConfig['billing'];
  /** The dead-letter store, listed and replayed into storage. */
  deadLetters: { list(): DeadLetter[]; replay(ids?: readonly string[]): Promise<DeadLetterReplay> };
}

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD (UTC)');
const repriceBody = z
  .object({ from: day, to: day, reason: z.string().max(500).default('reprice under the current price book') })
  .strict()
  .refine((b) => b.to > b.from, { message: 'to must be after from', path: ['to'] });
const replayBody = z.object({ ids: z.array(z.string().regex(/^dl-[0-9a-f]{24}$/, 'must be a dead-letter id (dl-...)')).max(10000).optional() }).strict();

/**
 * Admin API, guarded by the admin token: `POST /v1/admin/prices/reprice` re-rates a period
 * (`from` inclusive, `to` exclusive, UTC dates) and answers with a summary;
 * `GET /v1/admin/dead-letters` lists acknowledged exports storage refused for good, and
 * `POST /v1/admin/dead-letters/replay` (`{"ids": [...]}`, or all) writes them again: those
 * stored leave the store, those still refused stay with the new reason; 503 + Retry-After
 * when storage refused for a passing cause.
 */
export function registerAdminRoutes(app: FastifyInstance, opts: AdminRouteOptions): void {
  void app.register(async (scope) => adminRoutes(scope, opts));
}

function adminRoutes(app: FastifyInstance, opts: AdminRouteOptions): void {
  app.addHook('onRequest', accessHook(opts.authorize, 'admin endpoints'));
  const badBody = (error: z.ZodError) => new ApiError.invalidRequest(issueLines(error.issues).join('; '));

  app.post('/v1/admin/prices/reprice', async (req) => {
    const parsed = repriceBody.safeParse(req.body ?? {});
    if (!parsed.success) throw badBody(parsed.error);
    const { from, to, reason } = parsed.data;
    return rerate(createRepricingStore(opts.client, opts.database), opts.priceBook(), opts.billing, {
      fromMs: Date.parse(`${from}T00:00:00Z`),
      toMs: Date.parse(`${to}T00:00:00Z`),
      reason,
    });
  });

  app.get('/v1/admin/dead-letters', async () => {
    const entries = opts.deadLetters.list();
    return { count: entries.length, dead_letters: entries };
  });

  app.post('/v1/admin/dead-letters/replay', async (req, reply) => {
    const parsed = replayBody.safeParse(req.body ?? {});
    if (!parsed.success) throw badBody(parsed.error);
    const result = await opts.deadLetters.replay(parsed.data.ids);
    // The replay's own summary is the body: what was stored, what storage refused and why.
    if (result.unavailable !== undefined) return reply.code(503).header('retry-after', '10').send(result);
    return result;
  });
}
