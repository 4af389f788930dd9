import type { PolicyDirectory } from '../ports';

/**
 * With mTLS, a client certificate's subject CN names the gateway: the registry's gateway
 * sender of that id, or undefined (not a sender, or not a gateway). The index is rebuilt
 * once per registry load.
 */
export function gatewayByCommonName(directory: () => PolicyDirectory): (commonName: string) => string | undefined {
  let indexed: PolicyDirectory | undefined;
  let ids = new Set<string>();
  return (cn) => {
    const dir = directory();
    if (dir !== indexed) {
      ids = new Set([...dir.senderByTokenHash.values()].filter((s) => s.gateway).map((s) => s.id));
      indexed = dir;
    }
    return ids.has(cn) ? cn : undefined;
  };
}
