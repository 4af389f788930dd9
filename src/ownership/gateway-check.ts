import type { RegistrySource } from './registry-source';
import { bearerToken, hashToken } from './token-hash';

/** Who is asking the policy or ext_authz: a registry sender marked `gateway`, or why not. */
export type GatewayAnswer = { gatewayId: string } | 'missing' | 'denied';

/**
 * Builds the check of a policy caller's `Authorization` value: a bearer token of a sender
 * the registry in force marks `gateway: true` passes with that sender's id; no token is
 * 'missing', any other token 'denied'. The token is hashed, never kept.
 */
export function createGatewayCheck(store: RegistrySource): (authorization: string | undefined) => GatewayAnswer {
  return (authorization) => {
    const token = bearerToken(authorization);
    if (token === undefined) return 'missing';
    const sender = store.current().senderByTokenHash.get(hashToken(token));
    return sender?.gateway === true ? { gatewayId: sender.id } : 'denied';
  };
}
