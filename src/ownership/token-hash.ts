import { hash } from 'node:crypto';

/** The stored form of a bearer token: `sha256:<hex>`. Tokens themselves are never kept. */
export function hashToken(token: string): string {
  // The one-shot hash is about 2.5x faster than createHash; it runs on every request.
  return `sha256:${hash('sha256', token, 'hex')}`;
}

/** The token of an `Authorization: Bearer <token>` value, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const space = authorization.indexOf(' ');
  if (space < 0 || authorization.slice(0, space).toLowerCase() !== 'bearer') return undefined;
  const token = authorization.slice(space + 1).trim();
  return token === '' ? undefined : token;
}
