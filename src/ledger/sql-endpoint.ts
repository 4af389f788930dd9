import { gunzipSync, gzipSync } from 'node:zlib';
import type { DataFormat } from '@clickhouse/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StorageClients } from './storage-client';
import { hasMultipleStatements, isReadStatement } from './read-only-sql';

/** Inputs of the read-only SQL endpoint. */
export interface SqlEndpointOptions {
  storage: StorageClients;
  database: string;
  /** Admin check of a request: 'ok', 'disabled' (no admin token configured) or 'denied'. */
  authorize: (req: FastifyRequest) => 'ok' | 'disabled' | 'denied';
  /** URL prefix, `/clickhouse` by default. */
  prefix?: string;
}

// URL parameters of the ClickHouse HTTP interface that are not engine settings.
const NOT_SETTINGS = new Set([
  'query', 'query_id', 'database', 'default_format', 'session_id', 'session_timeout', 'session_check', 'role',
  'user', 'password', 'compress', 'decompress', 'enable_http_compression', 'wait_end_of_query',
  'send_progress_in_http_headers', 'http_headers_progress_interval_ms', 'add_http_cors_header',
  'http_response_buffer_size', 'buffer_size', 'quota_key',
]);

const CONTENT_TYPES: [RegExp, string][] = [
  [/^JSON/i, 'application/json; charset=UTF-8'],
  [/^CSV/i, 'text/csv; charset=UTF-8'],
  [/^(TabSeparated|TSV)/i, 'text/tab-separated-values; charset=UTF-8'],
];

/**
 * Registers the ClickHouse-HTTP-compatible, read-only SQL endpoint at `/clickhouse`:
 * what `@clickhouse/client` (url + `pathname: '/clickhouse'`) and Grafana send works, in
 * the format asked for. Needs the admin token; only read statements; `readonly=1` is
 * enforced by the engine session (embedded) or per query (server).
 */
export function registerSqlEndpoint(app: FastifyInstance, opts: SqlEndpointOptions): void {
  // An encapsulated scope, so the raw-body parser applies to these routes only.
  void app.register(async (scope) => sqlRoutes(scope, opts));
}

async function sqlRoutes(app: FastifyInstance, opts: SqlEndpointOptions): Promise<void> {
  const prefix = opts.prefix ?? '/clickhouse';

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const guard = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const check = opts.authorize(req);
    if (check === 'disabled') {
      chError(reply, 403, 497, 'ACCESS_DENIED', 'the SQL endpoint is disabled: start spanledger with --admin-token');
      return false;
    }
    if (check === 'denied') {
      reply.header('www-authenticate', 'Basic realm="spanledger"');
      chError(reply, 401, 516, 'AUTHENTICATION_FAILED', 'the admin token is required (HTTP Basic password or Bearer)');
      return false;
    }
    return true;
  };

  const ping = async (_req: FastifyRequest, reply: FastifyReply) => reply.type('text/plain').send('Ok.\n');
  app.get(`${prefix}/ping`, ping);

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!guard(req, reply)) return reply;
    const params = new URL(req.url, 'http://x').searchParams;
    let body = Buffer.isBuffer(req.body) ? req.body : Buffer.from(typeof req.body === 'string' ? req.body : '');
    if (body.length > 0 && /gzip/i.test(String(req.headers['content-encoding'] ?? ''))) {
      try {
        body = gunzipSync(body);
      } catch {
        return chError(reply, 400, 27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED', 'request body is not valid gzip');
      }
    }
    const parts = [params.get('query') ?? '', body.toString('utf8')].filter((p) => p.trim() !== '');
    const sql = parts.join('\n');
    if (sql.trim() === '') return chError(reply, 400, 62, 'SYNTAX_ERROR', 'empty query: send it in the body or the query parameter');
    if (!isReadStatement(sql)) {
      return chError(reply, 403, 164, 'READONLY', 'only read statements are allowed here (SELECT, SHOW, DESCRIBE, EXPLAIN, WITH, EXISTS)');
    }
    if (hasMultipleStatements(sql)) {
      return chError(reply, 400, 62, 'SYNTAX_ERROR', 'one statement per request: remove what follows the semicolon');
    }
    const database = params.get('database');
    if (database !== null && database !== '' && database !== 'default' && database !== opts.database) {
      return chError(reply, 400, 81, 'UNKNOWN_DATABASE', `this endpoint serves database ${opts.database}; qualify other tables as db.table`);
    }
    const queryParams: Record<string, string> = {};
    const settings: Record<string, string> = {};
    for (const [k, v] of params) {
      if (k.startsWith('param_')) queryParams[k.slice(6)] = v;
      else if (!NOT_SETTINGS.has(k)) settings[k] = v;
    }
    const format = params.get('default_format') || 'TabSeparated';
    try {
      const result = await opts.storage.readonly.exec({
        query: sql,
        query_params: queryParams,
        clickhouse_settings: { ...settings, ...opts.storage.readonlySettings, default_format: format as DataFormat },
      });
      const chunks: Buffer[] = [];
      for await (const c of result.stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
      let out = Buffer.concat(chunks);
      reply.code(200).header('x-clickhouse-format', explicitFormat(sql) ?? format);
      reply.type(contentType(explicitFormat(sql) ?? format));
      if (params.get('enable_http_compression') === '1' && /gzip/.test(String(req.headers['accept-encoding'] ?? ''))) {
        out = gzipSync(out);
        reply.header('content-encoding', 'gzip');
      }
      return reply.send(out);
    } catch (err) {
      const e = err as Error & { code?: string; type?: string };
      const code = Number(e.code ?? 0) || 1002;
      return chError(reply, code === 164 ? 403 : 400, code, e.type ?? 'UNKNOWN_EXCEPTION', e.message);
    }
  };
  for (const url of [prefix, `${prefix}/`]) {
    app.get(url, handle);
    app.post(url, handle);
  }
}

function explicitFormat(sql: string): string | undefined {
  const m = /\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i.exec(sql);
  return m?.[1];
}

function contentType(format: string): string {
  for (const [re, type] of CONTENT_TYPES) if (re.test(format)) return type;
  return 'text/plain; charset=UTF-8';
}

/** Replies in the ClickHouse HTTP error shape, which clickhouse-js parses into ClickHouseError. */
function chError(reply: FastifyReply, http: number, code: number, type: string, message: string): FastifyReply {
  return reply
    .code(http)
    .header('x-clickhouse-exception-code', String(code))
    .type('text/plain; charset=UTF-8')
    .send(`Code: ${code}. DB::Exception: ${message.replace(/[\s.]+$/, "")}. (${type})\n`);
}
