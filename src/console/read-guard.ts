import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { sessionIdOf } from './session-cookie';
import type { SessionRole, SessionStore } from './session-store';

/** Outcome of a credential check, as the report, admin and SQL routes expect it. */
export type ReadCheck = 'ok' | 'disabled' | 'denied' | 'read_only';

/** The admin check the service already has. */
export type AdminCheckOfHeaders = (headers: FastifyRequest['headers']) => 'ok' | 'disabled' | 'denied';

interface Credentials {
  admin: AdminCheckOfHeaders;
  viewer: AdminCheckOfHeaders;
  sessions: SessionStore;
}

/**
 * The check for routes that change something (invoice import, the admin API, whatever
 * the method): the admin token alone. A valid viewer credential or console session is told
 * it is read-only (403), not that it is missing.
 */
export function createWriteGuard(opts: Credentials): (req: FastifyRequest) => ReadCheck {
  return (req) => {
    const admin = opts.admin(req.headers);
    if (admin !== 'denied') return admin;
    if (opts.viewer(req.headers) === 'ok') return 'read_only';
    const id = sessionIdOf(req.headers.cookie);
    return id !== undefined && opts.sessions.check(id) !== undefined ? 'read_only' : 'denied';
  };
}

/**
 * The check for the API's read routes (reports, drill-down, `/clickhouse`): the admin token
 * as before; for reads also the viewer credential (same header forms as the admin token)
 * and a console session cookie on GET and HEAD. A request that writes (POST of an invoice)
 * gets the admin check alone, so neither the viewer nor a cookie can change anything.
 * `/clickhouse` counts as a read whatever the method: every statement it runs is read-only.
 */
export function createReadGuard(opts: Credentials): (req: FastifyRequest) => ReadCheck {
  const write = createWriteGuard(opts);
  return (req) => {
    const admin = opts.admin(req.headers);
    if (admin === 'ok') return 'ok';
    const viewer = opts.viewer(req.headers);
    // Neither credential configured: the routes are off, whatever a request carries.
    if (admin === 'disabled' && viewer === 'disabled') return 'disabled';
    const safe = req.method === 'GET' || req.method === 'HEAD';
    const sql = req.url.startsWith('/clickhouse');
    if (!safe && !sql) return write(req);
    if (viewer === 'ok') return 'ok';
    const id = sessionIdOf(req.headers.cookie);
    const session = id !== undefined && opts.sessions.check(id) !== undefined;
    // A cookie is taken on GET and HEAD only: SQL by POST with one is told why it is refused.
    if (session) return safe ? 'ok' : 'read_only';
    return 'denied';
  };
}

/**
 * Which role a presented sign-in secret has: compared as SHA-256 digests in constant time
 * against the admin token and the viewer credential, whichever are configured.
 */
export function signInRole(presented: string, tokens: { admin?: string; viewer?: string }): SessionRole | undefined {
  const digest = sha256(presented);
  if (tokens.admin !== undefined && timingSafeEqual(digest, sha256(tokens.admin))) return 'admin';
  if (tokens.viewer !== undefined && timingSafeEqual(digest, sha256(tokens.viewer))) return 'viewer';
  return undefined;
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
