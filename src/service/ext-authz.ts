import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type * as grpc from '@grpc/grpc-js';
import type { SpanledgerConfig } from '../config';
import { bindExtAuthzGrpc, buildExtAuthzGrpcServer, createCheckCodec, createExtAuthzCheck, gatewayByCommonName, registerExtAuthzHttp, registerPortkeyGuardrail, type GatewayCheck, type PolicyDirectory, type PolicyEngine } from '../policy';
import { shutdownGrpc } from '../receiver';

/** Envoy ext_authz wired to the policy: HTTP routes on the API app (ext_authz HTTP mode, Portkey's webhook guardrail), and the gRPC port when configured. */
export interface ExtAuthzWiring {
  routes(app: FastifyInstance): void;
  /** Binds the gRPC service when `policy.extAuthz.grpcPort` is set; resolves with its port, else undefined. */
  listen(host: string, tls: SpanledgerConfig['tls']): Promise<number | undefined>;
  stop(graceMs: number): Promise<void>;
}

/** Builds the ext_authz front of the policy engine; nothing listens until `listen`. */
export function startExtAuthz(o: { cfg: SpanledgerConfig; policy: PolicyEngine; directory: () => PolicyDirectory; gateway: GatewayCheck }): ExtAuthzWiring {
  const ext = o.cfg.policy.extAuthz;
  const check = createExtAuthzCheck(o.policy, ext);
  let server: grpc.Server | undefined;
  return {
    routes: (app) => {
      registerExtAuthzHttp(app, { check, gateway: o.gateway, config: ext });
      registerPortkeyGuardrail(app, { engine: o.policy, gateway: o.gateway, config: ext });
    },
    async listen(host, tls) {
      if (ext.grpcPort === undefined) return undefined;
      if (ext.clientCaFile !== undefined && (tls.certFile === undefined || tls.keyFile === undefined)) {
        throw new Error('policy.extAuthz.clientCaFile needs tls.certFile and tls.keyFile: mTLS runs over TLS');
      }
      const clientCa = ext.clientCaFile === undefined ? undefined : readFileSync(ext.clientCaFile);
      server = buildExtAuthzGrpcServer({
        check,
        codec: createCheckCodec(),
        gateway: o.gateway,
        gatewayByCertificate: clientCa === undefined ? undefined : gatewayByCommonName(o.directory),
        maxMessageBytes: o.cfg.receiver.maxBodyBytes,
      });
      const keys = tls.certFile && tls.keyFile ? { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), clientCa } : undefined;
      return bindExtAuthzGrpc(server, host, ext.grpcPort, keys);
    },
    stop: (graceMs) => (server === undefined ? Promise.resolve() : shutdownGrpc(server, graceMs)),
  };
}
