import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { sessionIdOf } from './session-cookie';
import type { SessionRole, SessionStore } from './session-store';

/** Outcome of a credential check, as the report and SQL routes expect it. */
export type ReadCheck = 'ok' | 'disabled' | 'denied';

/** The admin check the service already has. */
export type AdminCheckOfHeaders = (headers: FastifyRequest['headers']) => ReadCheck;

/**
 * The check for the API's read routes (reports, drill-down, `/clickhouse`): the admin token
 * as before; for reads also the viewer credential (same header forms as the admin token)
 * and a console session cookie on GET and HEAD. A request that writes (POST of an invoice)
 * gets the admin check alone, so neither the viewer nor a cookie can change anything.
 * `/clickhouse` counts as a read whatever the method: every statement it runs is read-only.
 */
export function createReadGuard(opts: {
  admin: AdminCheckOfHeaders;
  viewer: AdminCheckOfHeaders;
  sessions: SessionStore;
}): (req: FastifyRequest) => ReadCheck {
  return (req) => {
    const admin = opts.admin(req.headers);
    if (admin === 'ok') return 'ok';
    const viewer = opts.viewer(req.headers);
    // Neither credential configured: the routes are off, whatever a request carries.
    if (admin === 'disabled' && viewer === 'disabled') return 'disabled';
    const safe = req.method === 'GET' || req.method === 'HEAD';
    const sql = req.url.startsWith('/clickhouse');
    if (!safe && !sql) return admin;
    if (viewer === 'ok') return 'ok';
    if (safe) {
      const id = sessionIdOf(req.headers.cookie);
      if (id !== undefined && opts.sessions.check(id) !== undefined) return 'ok';
    }
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
