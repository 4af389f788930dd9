import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PriceBook, PricingConfig } from '../pricing';
import type { AdminGuard } from './admin-guard';
import { reprice } from './reprice';

/** What the admin routes work on. */
export interface AdminRouteOptions {
  guard: AdminGuard;
  client: ClickHouseClient;
  database: string;
  priceBook: () => PriceBook;
  billing: PricingConfig['billing'];
}

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD (UTC)');
const repriceBody = z
  .object({ from: day, to: day, reason: z.string().max(500).default('reprice under the current price book') })
  .strict()
  .refine((b) => b.to > b.from, { message: 'to must be after from', path: ['to'] });

/**
 * Admin API, guarded by the admin token: `POST /v1/admin/prices/reprice` re-rates a period
 * (`from` inclusive, `to` exclusive, UTC dates) and answers with a summary.
 */
export function registerAdminRoutes(app: FastifyInstance, opts: AdminRouteOptions): void {
  app.post('/v1/admin/prices/reprice', async (req, reply) => {
    const check = opts.guard(req.headers);
    if (check !== 'ok') {
      return reply.code(check === 'disabled' ? 403 : 401).send({
        error: check === 'disabled' ? 'admin endpoints are disabled: start spanledger with --admin-token' : 'the admin token is required (Authorization: Bearer)',
      });
    }
    const parsed = repriceBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      return reply.code(400).send({ error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
    }
    const { from, to, reason } = parsed.data;
    return reprice(opts.client, opts.database, opts.priceBook(), opts.billing, {
      fromMs: Date.parse(`${from}T00:00:00Z`),
      toMs: Date.parse(`${to}T00:00:00Z`),
      reason,
    });
  });
}
