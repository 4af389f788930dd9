import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

// Envoy's own API definitions, as @grpc/grpc-js-xds ships them (deps/envoy-api and the
// repositories they import): independent of the copies spanledger wrote in proto/.
const DEPS = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const INCLUDE = ['envoy-api', 'googleapis', 'protoc-gen-validate', 'xds'].map((d) => path.join(DEPS, d));
const FILE = 'envoy/service/auth/v3/external_auth.proto';

/** A CheckRequest as Envoy's definitions name it (snake_case). */
export interface EnvoyHttpRequest {
  id?: string;
  method?: string;
  path?: string;
  host?: string;
  headers?: Record<string, string>;
  header_map?: { headers: { key: string; value?: string; raw_value?: Buffer }[] };
  body?: string;
  raw_body?: Buffer;
}

/** A CheckResponse decoded with Envoy's definitions. */
export interface EnvoyCheckResponse {
  status?: { code: number; message: string };
  http_response?: 'denied_response' | 'ok_response';
  denied_response?: { status?: { code: number }; headers: { header: { key: string; value: string }; append_action: number }[]; body: string };
  ok_response?: { headers: { header: { key: string; value: string }; append_action: number }[]; headers_to_remove: string[] };
}

type CheckClient = grpc.Client & {
  Check(req: unknown, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: EnvoyCheckResponse) => void): void;
};

/** A real grpc-js client of `envoy.service.auth.v3.Authorization`, built from Envoy's definitions. */
export function envoyAuthzClient(address: string, credentials = grpc.credentials.createInsecure()): { check(http: EnvoyHttpRequest, gatewayToken?: string, extra?: Record<string, unknown>): Promise<EnvoyCheckResponse>; close(): void } {
  const def = protoLoader.loadSync(FILE, { keepCase: true, longs: String, enums: Number, defaults: true, oneofs: true, includeDirs: INCLUDE });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { envoy: { service: { auth: { v3: { Authorization: new (a: string, c: grpc.ChannelCredentials) => CheckClient } } } } };
  const client = new pkg.envoy.service.auth.v3.Authorization(address, credentials);
  return {
    check(http, gatewayToken, extra = {}) {
      const md = new grpc.Metadata();
      if (gatewayToken !== undefined) md.set('authorization', `Bearer ${gatewayToken}`);
      return new Promise((resolve, reject) => client.Check({ attributes: { request: { http }, ...extra } }, md, (err, res) => (err ? reject(err) : resolve(res))));
    },
    close: () => client.close(),
  };
}

/**
 * Envoy's own serializers for CheckRequest and CheckResponse (through @grpc/proto-loader,
 * enums as their names), for byte-level round trips against spanledger's copies.
 */
export function envoyTypes(): { encodeRequest(req: Record<string, unknown>): Buffer; decodeResponse(bytes: Uint8Array): Record<string, any> } {
  const def = protoLoader.loadSync(FILE, { keepCase: true, longs: String, enums: String, defaults: false, oneofs: true, includeDirs: INCLUDE });
  const check = (def['envoy.service.auth.v3.Authorization'] as protoLoader.ServiceDefinition).Check!;
  return {
    encodeRequest: (req) => check.requestSerialize(req),
    decodeResponse: (bytes) => check.responseDeserialize(Buffer.from(bytes)) as Record<string, any>,
  };
}

/** The headers of a CheckResponse's allow or deny as a plain record. */
export function headersOf(res: EnvoyCheckResponse): Record<string, string> {
  const list = res.ok_response?.headers ?? res.denied_response?.headers ?? [];
  return Object.fromEntries(list.map((h) => [h.header.key, h.header.value]));
}
