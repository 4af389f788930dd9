import { createHash, timingSafeEqual } from 'node:crypto';
import { headerText } from '../ownership';

/** Outcome of checking a request's admin credential. */
export type AdminCheck = 'ok' | 'disabled' | 'denied';

/** Checks an admin credential taken from request headers. */
export type AdminGuard = (headers: { authorization?: string; 'x-clickhouse-key'?: string | string[] }) => AdminCheck;

/**
 * The one admin check for every admin and SQL endpoint: the token as HTTP Basic password
 * (any user name), `Authorization: Bearer`, or `X-ClickHouse-Key`. Without a configured
 * token every admin endpoint is disabled. Compared as SHA-256 digests in constant time.
 */
export function createAdminGuard(adminToken: string | undefined): AdminGuard {
  const expected = adminToken ? sha256(adminToken) : undefined;
  return (headers) => {
    if (expected === undefined) return 'disabled';
    const presented = credential(headers.authorization, headers['x-clickhouse-key']);
    return presented !== undefined && timingSafeEqual(sha256(presented), expected) ? 'ok' : 'denied';
  };
}

function credential(authorization: string | undefined, key: string | string[] | undefined): string | undefined {
  if (typeof key === 'string' && key !== '') return headerText(key);
  if (authorization === undefined) return undefined;
  authorization = headerText(authorization);
  const space = authorization.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  if (scheme === 'bearer') return value;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
