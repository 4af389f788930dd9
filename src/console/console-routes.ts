import type { FastifyInstance, FastifyReply } from 'fastify';
import { signInRole } from './read-guard';
import { CONSOLE_HEADERS } from './security-headers';
import { sessionCookie, sessionIdOf } from './session-cookie';
import type { SessionStore } from './session-store';
import { loadAssets } from './static-assets';
import { ApiError, withRetryAfter } from '../pipeline';

/** What the console routes need. */
export interface ConsoleRouteOptions {
  sessions: SessionStore;
  /** The credentials that sign in: the admin token and the viewer credential, when set. */
  tokens: () => { admin?: string; viewer?: string };
  sessionTtlS: number;
  /** The API is served over HTTPS: cookies get `Secure`. */
  secure: boolean;
  /** What the page asks the reports for as `max_staleness_s` (told with the session). */
  maxStalenessS: number;
  /** Failed sign-ins allowed per client address per minute; then 429. */
  maxFailuresPerMinute?: number;
}

/**
 * The console on the API port: `GET /` (the page), `GET /console/*` (its scripts, styles and
 * the Chart.js build shipped in the package), and the session: `POST /console/session` with
 * `{"token": "..."}` (viewer credential or admin token) sets an HttpOnly, SameSite=Strict
 * cookie; `GET /console/session` tells whether the cookie is signed in (`{signed_in, role,
 * max_staleness_s}`: the staleness the page accepts from the reports); `DELETE` signs out.
 * The token travels only in the POST body, never in a URL. The page reads figures only
 * through the API's report, drill-down and SQL routes, which accept the cookie for reads.
 */
export function registerConsoleRoutes(app: FastifyInstance, opts: ConsoleRouteOptions): void {
  const assets = loadAssets();
  const maxFailures = opts.maxFailuresPerMinute ?? 20;
  const failures = new Map<string, { count: number; windowStartMs: number }>();
  const send = (reply: FastifyReply, url: string) => {
    const asset = assets.get(url)!;
    return reply.headers(CONSOLE_HEADERS).type(asset.type).send(asset.body);
  };
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new ApiError.invalidRequest('body: must be JSON'), undefined);
      }
    });
    scope.get('/', async (_req, reply) => send(reply, '/console/index.html'));
    for (const url of assets.keys()) scope.get(url, async (_req, reply) => send(reply, url));

    scope.post('/console/session', async (req, reply) => {
      void reply.headers(CONSOLE_HEADERS);
      const nowMs = Date.now();
      const ip = req.ip;
      const f = failures.get(ip);
      if (f !== undefined && nowMs - f.windowStartMs < 60_000 && f.count >= maxFailures) {
        throw withRetryAfter(new ApiError.tooManyRequests('too many failed sign-ins from this address; wait a minute'), Math.ceil((f.windowStartMs + 60_000 - nowMs) / 1000));
      }
      const token = (req.body as { token?: unknown } | undefined)?.token;
      if (typeof token !== 'string' || token === '') throw new ApiError.invalidRequest('token: give the viewer credential or the admin token as a string');
      const tokens = opts.tokens();
      if (tokens.admin === undefined && tokens.viewer === undefined) {
        throw new ApiError.disabled('the console is disabled: start spanledger with --viewer-token or --admin-token');
      }
      const role = token.length > 4096 ? undefined : signInRole(token, tokens);
      if (role === undefined) {
        if (f === undefined || nowMs - f.windowStartMs >= 60_000) {
          if (failures.size >= 10_000) failures.clear();
          failures.set(ip, { count: 1, windowStartMs: nowMs });
        } else f.count++;
        throw new ApiError.unauthorized('the viewer credential or admin token is not valid');
      }
      const id = opts.sessions.create(role, nowMs);
      return reply.header('set-cookie', sessionCookie(id, opts.sessionTtlS, opts.secure)).send({ role, expires_in_s: opts.sessionTtlS, max_staleness_s: opts.maxStalenessS });
    });
    scope.get('/console/session', async (req, reply) => {
      void reply.headers(CONSOLE_HEADERS);
      const id = sessionIdOf(req.headers.cookie);
      const role = id === undefined ? undefined : opts.sessions.check(id);
      return { signed_in: role !== undefined, ...(role === undefined ? {} : { role, max_staleness_s: opts.maxStalenessS }) };
    });
    scope.delete('/console/session', async (req, reply) => {
      const id = sessionIdOf(req.headers.cookie);
      if (id !== undefined) opts.sessions.revoke(id);
      return reply.headers(CONSOLE_HEADERS).header('set-cookie', sessionCookie('', 0, opts.secure)).send({ signed_out: true });
    });
  });
}
