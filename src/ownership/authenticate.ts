import { PermanentError, type ExportContext } from '../pipeline';
import type { RegistrySource } from './registry-source';
import { bearerToken, hashToken } from './token-hash';

/**
 * Turns an export's `Authorization` value into who sent it. An unknown or missing bearer
 * token is refused (PermanentError 'unauthenticated') unless `allowUnauthenticated`, in
 * which case the export proceeds without a sender. The token is hashed, never kept.
 */
export function createAuthenticator(store: RegistrySource, allowUnauthenticated: boolean): (authorization: string | undefined) => ExportContext {
  return (authorization) => {
    const token = bearerToken(authorization);
    const sender = token === undefined ? undefined : store.current().senderByTokenHash.get(hashToken(token));
    if (sender !== undefined) return { sender, unknownCredential: false };
    if (allowUnauthenticated) return { sender: undefined, unknownCredential: token !== undefined };
    throw new PermanentError(
      'unauthenticated',
      token === undefined
        ? 'missing credentials: send "authorization: Bearer <sender token>" (registry senders)'
        : 'unknown sender token: it matches no sender in the registry',
    );
  };
}
