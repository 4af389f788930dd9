import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { registerSqlEndpoint, type SqlSandbox, type StorageClients } from '../ledger';
import { limitRequestTime } from '../receiver';
import type { AdminGuard } from './admin-guard';
import { ApiError, apiErrorHandler } from '../pipeline';

/** What the API app serves. */
export interface ApiAppOptions {
  storage: StorageClients;
  database: string;
  /** Runs the callers' SQL of `/clickhouse`. */
  sql: { sandbox: SqlSandbox; maxQueryBytes: number };
  adminGuard: AdminGuard;
  /** Who may read through `/clickhouse`: the admin token, the viewer credential or a console session. */
  readGuard?: (req: FastifyRequest) => 'ok' | 'disabled' | 'denied' | 'read_only';
  registry: Registry;
  /** Registers more routes (admin, policy, reports) on the API app. */
  routes?: (app: FastifyInstance) => void;
  /** Above this resident memory the service reports not ready. */
  memoryHardLimitMb?: number;
  /** Another reason to report not ready (a filesystem below its reserve), or undefined. */
  notReady?: () => string | undefined;
  /** Serve HTTPS with this PEM key and certificate chain. */
  tls?: { key: Buffer; cert: Buffer };
  /** Longest a client may take to send a whole request; then 408 and the connection closes. */
  requestTimeoutMs?: number;
  /** Where requests that fail for an unexpected reason are logged. */
  log?: { error(obj: object, msg: string): void };
}

/**
 * Builds (does not start) the API app: `/healthz` (process up), `/readyz` (storage
 * answers, memory and disk have room), `/metrics` (Prometheus text) and the read-only SQL endpoint `/clickhouse`.
 */
export function buildApiApp(opts: ApiAppOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    // Route schemas validate, never repair: no type coercion, no silently dropped fields.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: true } },
    ...(opts.tls ? { https: opts.tls } : {}),
  }) as unknown as FastifyInstance;
  if (opts.requestTimeoutMs !== undefined) limitRequestTime(app.server, opts.requestTimeoutMs);
  app.setErrorHandler(apiErrorHandler(opts.log ?? { error: () => undefined }));
  // An unknown route answers in the catalogue's shape too (the policy's paths in OpenAI's).
  app.setNotFoundHandler(async (req) => {
    throw new ApiError.notFound(`no route ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}: see /openapi.json for the policy API and the README for the others`);
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const rssMb = Math.round(process.memoryUsage.rss() / 1048576);
    if (opts.memoryHardLimitMb !== undefined && rssMb > opts.memoryHardLimitMb) {
      return reply.code(503).send({ status: 'unavailable', reason: `memory: ${rssMb} MiB resident, hard limit ${opts.memoryHardLimitMb} MiB` });
    }
    const reason = opts.notReady?.();
    if (reason !== undefined) return reply.code(503).send({ status: 'unavailable', reason });
    const ping = await opts.storage.client.ping();
    if (ping.success) return { status: 'ready', storage: opts.storage.mode };
    return reply.code(503).send({ status: 'unavailable', storage: opts.storage.mode, error: ping.error.message });
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type(opts.registry.contentType).send(await opts.registry.metrics()),
  );
  registerSqlEndpoint(app, { sandbox: opts.sql.sandbox, maxQueryBytes: opts.sql.maxQueryBytes, database: opts.database, authorize: opts.readGuard ?? ((req) => opts.adminGuard(req.headers)) });
  opts.routes?.(app);
  return app;
}
