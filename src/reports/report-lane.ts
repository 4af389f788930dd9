import type { FastifyReply } from 'fastify';
import { ApiError, createLane, withRetryAfter, type Lane } from '../pipeline';
import type { ReportsConfig } from './config';

/**
 * The one lane the report, drill-down and session routes share: at most
 * `maxConcurrentRequests` run, `maxQueuedRequests` wait up to `queueTimeoutMs`, and the rest
 * get 503 with Retry-After naming the limit.
 */
export function createReportLane(cfg: ReportsConfig): Lane {
  return createLane({
    slots: cfg.maxConcurrentRequests,
    maxQueued: cfg.maxQueuedRequests,
    queueTimeoutMs: cfg.queueTimeoutMs,
    busy: (why) =>
      withRetryAfter(new ApiError.unavailable(`${why}: at most ${cfg.maxConcurrentRequests} report and drill-down requests run at once (reports.maxConcurrentRequests); try again shortly`), 1),
  });
}

/**
 * Aborts when the client goes away before its answer is sent, so a request that waits in
 * the lane stops waiting (its slot goes to the next one).
 */
export function untilClientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new ApiError.unavailable('the client closed the connection before the answer'));
  });
  return controller.signal;
}
