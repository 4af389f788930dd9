import * as grpc from '@grpc/grpc-js';
import type { GatewayCheck } from '../routes';
import type { ExtAuthzCheck } from './check';
import { MalformedCheck, type CheckCodec } from './check-codec';
import type { Verdict } from './verdict';

const CHECK_PATH = '/envoy.service.auth.v3.Authorization/Check';

/** What the ext_authz gRPC server is built from. */
export interface ExtAuthzGrpcOptions {
  check: ExtAuthzCheck;
  codec: CheckCodec;
  /** The gateway sender of a bearer token (`authorization` metadata, set in Envoy's `initial_metadata`). */
  gateway: GatewayCheck;
  /** With mTLS: the gateway sender whose id is a client certificate's subject CN, or undefined. */
  gatewayByCertificate?: (commonName: string) => string | undefined;
  /** Largest CheckRequest accepted (a forwarded body included). */
  maxMessageBytes: number;
  /** Told of each call's outcome: the decision, or `unauthenticated` / `invalid`. */
  onCheck?: (outcome: string) => void;
}

/**
 * Builds (does not bind) a gRPC server with `envoy.service.auth.v3.Authorization/Check`.
 * A call without a gateway credential fails UNAUTHENTICATED and one that does not decode
 * (or has no HTTP request) INVALID_ARGUMENT naming the field; every other call gets a
 * CheckResponse: OK with upstream headers, or denied with the HTTP status, headers and
 * OpenAI-shaped body for the client.
 */
export function buildExtAuthzGrpcServer(opts: ExtAuthzGrpcOptions): grpc.Server {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': opts.maxMessageBytes });
  const service: grpc.ServiceDefinition = {
    Check: {
      path: CHECK_PATH,
      requestStream: false,
      responseStream: false,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (v: Verdict) => Buffer.from(opts.codec.encodeResponse(v)),
      responseDeserialize: (b: Buffer) => b,
    },
  };
  const handler: grpc.handleUnaryCall<Buffer, Verdict> = (call, callback) => {
    const gatewayId = gatewayOf(call, opts);
    if (gatewayId === 'missing' || gatewayId === 'denied') {
      opts.onCheck?.('unauthenticated');
      callback({
        code: grpc.status.UNAUTHENTICATED,
        details: gatewayId === 'missing' ? 'missing gateway credentials: send authorization: Bearer <gateway sender token> as gRPC metadata (Envoy: grpc_service.initial_metadata), or a client certificate' : 'unknown gateway credentials',
      });
      return;
    }
    let verdict: Verdict;
    try {
      verdict = opts.check(opts.codec.decodeRequest(call.request), gatewayId);
    } catch (err) {
      const malformed = err instanceof MalformedCheck;
      opts.onCheck?.(malformed ? 'invalid' : 'error');
      // Anything else is a bug here: the gateway's failure mode decides, the process lives on.
      callback({ code: malformed ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL, details: malformed ? err.message : 'ext_authz check failed' });
      return;
    }
    opts.onCheck?.(verdict.decision.decision);
    callback(null, verdict);
  };
  server.addService(service, { Check: handler });
  return server;
}

function gatewayOf(call: grpc.ServerUnaryCall<Buffer, Verdict>, opts: ExtAuthzGrpcOptions): string | 'missing' | 'denied' {
  if (opts.gatewayByCertificate !== undefined) {
    const cn = call.getAuthContext()?.sslPeerCertificate?.subject?.CN;
    const name = Array.isArray(cn) ? cn[0] : cn;
    if (name) return opts.gatewayByCertificate(name) ?? 'denied';
  }
  const auth = call.metadata.get('authorization')[0];
  const check = opts.gateway(typeof auth === 'string' ? auth : auth?.toString('utf8'));
  return typeof check === 'object' ? check.gatewayId : check;
}

/** Binds the server: plain, TLS, or TLS requiring client certificates signed by `clientCa` (mTLS); resolves with the bound port. */
export function bindExtAuthzGrpc(server: grpc.Server, host: string, port: number, tls?: { key: Buffer; cert: Buffer; clientCa?: Buffer }): Promise<number> {
  const credentials = tls
    ? grpc.ServerCredentials.createSsl(tls.clientCa ?? null, [{ private_key: tls.key, cert_chain: tls.cert }], tls.clientCa !== undefined)
    : grpc.ServerCredentials.createInsecure();
  return new Promise((resolve, reject) => server.bindAsync(`${host}:${port}`, credentials, (err, bound) => (err ? reject(err) : resolve(bound))));
}
