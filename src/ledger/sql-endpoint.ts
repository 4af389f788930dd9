import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decompressBody, isPermanent } from '../pipeline';
import type { SqlSandbox } from './sql-sandbox';
import { SqlRefusal } from './sql-refusal';

const gzipAsync = promisify(gzip);

/** Inputs of the read-only SQL endpoint. */
export interface SqlEndpointOptions {
  sandbox: SqlSandbox;
  /** Largest query text accepted, after decompression. */
  maxQueryBytes: number;
  /** Access check of a request: 'ok', 'disabled' (no credential configured), 'denied', or 'read_only' (a console cookie on POST). */
  authorize: (req: FastifyRequest) => 'ok' | 'disabled' | 'denied' | 'read_only';
  /** The ledger database: the only one a request may name in `database`. */
  database: string;
  /** URL prefix, `/clickhouse` by default. */
  prefix?: string;
}

const CONTENT_TYPES: [RegExp, string][] = [
  [/^JSON/i, 'application/json; charset=UTF-8'],
  [/^CSV/i, 'text/csv; charset=UTF-8'],
  [/^(TabSeparated|TSV)/i, 'text/tab-separated-values; charset=UTF-8'],
  [/^(Native|RowBinary|Parquet|Arrow|ORC|Avro)/i, 'application/octet-stream'],
];

// Engine errors a caller's query earns by exceeding a cap or being cancelled: the caller's
// to fix, so a client error, never a retryable one.
const LIMIT_CODES = new Set([158, 159, 160, 241, 307, 394, 396]);

/**
 * Registers the ClickHouse-HTTP-compatible, read-only SQL endpoint at `/clickhouse`:
 * what `@clickhouse/client` (url + `pathname: '/clickhouse'`), clickhouse-go and so the
 * Grafana ClickHouse plugin send works, in the format asked for. Needs the admin token.
 * Every statement goes through the sandbox (see `openSqlSandbox`); refusals and engine
 * errors come back in ClickHouse's error shape; a full queue is 503 with Retry-After.
 */
export function registerSqlEndpoint(app: FastifyInstance, opts: SqlEndpointOptions): void {
  // An encapsulated scope, so the raw-body parser applies to these routes only.
  void app.register(async (scope) => sqlRoutes(scope, opts));
}

async function sqlRoutes(app: FastifyInstance, opts: SqlEndpointOptions): Promise<void> {
  const prefix = opts.prefix ?? '/clickhouse';

  app.removeAllContentTypeParsers();
  // Errors fastify raises itself (a body over the limit, a body cut off) in ClickHouse's shape too.
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) return chError(reply, 413, 307, 'TOO_MANY_BYTES', `request body exceeds ${opts.maxQueryBytes} bytes`);
    return chError(reply, status >= 400 && status < 500 ? status : 500, 1002, 'UNKNOWN_EXCEPTION', err.message);
  });
  // The compressed body may be no larger than the decompressed limit; fastify refuses
  // a longer one with 413 while it streams in, before it is held whole.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.maxQueryBytes }, (_req, body, done) => done(null, body));

  const guard = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const check = opts.authorize(req);
    if (check === 'disabled') {
      chError(reply, 403, 497, 'ACCESS_DENIED', 'the SQL endpoint is disabled: start spanledger with --admin-token');
      return false;
    }
    if (check === 'denied') {
      reply.header('www-authenticate', 'Basic realm="spanledger"');
      chError(reply, 401, 516, 'AUTHENTICATION_FAILED', 'a valid admin token or viewer credential is required (HTTP Basic password or Bearer)');
      return false;
    }
    if (check === 'read_only') {
      chError(reply, 403, 497, 'ACCESS_DENIED', 'a console session cookie is taken on GET only: send the viewer credential (HTTP Basic password or Bearer) to POST SQL');
      return false;
    }
    return true;
  };

  const ping = async (_req: FastifyRequest, reply: FastifyReply) => reply.type('text/plain').send('Ok.\n');
  app.get(`${prefix}/ping`, ping);

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!guard(req, reply)) return reply;
    const params = new URL(req.url, 'http://x').searchParams;
    // A caller that goes away takes its query with it.
    const gone = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) gone.abort(new SqlRefusal(499, 394, 'QUERY_WAS_CANCELLED', 'the client closed the connection'));
    });
    try {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const inParam = params.get('query') ?? '';
      const body = raw.length === 0 ? raw : await decompressBody(raw, headerOf(req, 'content-encoding'), opts.maxQueryBytes - Buffer.byteLength(inParam));
      const sql = [inParam, body.toString('utf8')].filter((p) => p.trim() !== '').join('\n');
      if (sql.trim() === '') throw new SqlRefusal(400, 62, 'SYNTAX_ERROR', 'empty query: send it in the body or the query parameter');
      const database = params.get('database');
      if (database !== null && database !== '' && database !== 'default' && database !== opts.database) {
        throw new SqlRefusal(400, 81, 'UNKNOWN_DATABASE', `this endpoint serves database ${opts.database} only`);
      }
      const answer = await opts.sandbox.run({ sql, params }, gone.signal);
      let out = answer.body;
      reply.code(200).header('x-clickhouse-format', answer.format).type(contentType(answer.format));
      if (params.get('enable_http_compression') === '1' && /gzip/.test(headerOf(req, 'accept-encoding') ?? '')) {
        out = await gzipAsync(out);
        reply.header('content-encoding', 'gzip');
      }
      return reply.send(out);
    } catch (err) {
      return sendError(reply, err);
    }
  };
  for (const url of [prefix, `${prefix}/`]) {
    app.get(url, handle);
    app.post(url, handle);
  }
}

function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof SqlRefusal) {
    if (err.retryAfterS !== undefined) reply.header('retry-after', String(err.retryAfterS));
    return chError(reply, err.httpStatus, err.code, err.type, err.message);
  }
  if (isPermanent(err)) {
    const tooLarge = err.reason === 'payload_too_large';
    return chError(reply, tooLarge ? 413 : 400, tooLarge ? 307 : 27, tooLarge ? 'TOO_MANY_BYTES' : 'CANNOT_PARSE_INPUT_ASSERTION_FAILED', err.message);
  }
  const e = err as Error & { code?: string; type?: string };
  const code = Number(e.code ?? 0) || 1002;
  const http = code === 164 ? 403 : LIMIT_CODES.has(code) || e.type !== undefined ? 400 : 500;
  return chError(reply, http, code, e.type ?? 'UNKNOWN_EXCEPTION', e.message);
}

function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function contentType(format: string): string {
  for (const [re, type] of CONTENT_TYPES) if (re.test(format)) return type;
  return 'text/plain; charset=UTF-8';
}

/** Replies in the ClickHouse HTTP error shape, which clickhouse-js parses into ClickHouseError. */
function chError(reply: FastifyReply, http: number, code: number, type: string, message: string): FastifyReply {
  if (reply.raw.destroyed) return reply;
  return reply
    .code(http)
    .header('x-clickhouse-exception-code', String(code))
    .type('text/plain; charset=UTF-8')
    .send(`Code: ${code}. DB::Exception: ${message.replace(/[\s.]+$/, '')}. (${type})\n`);
}
