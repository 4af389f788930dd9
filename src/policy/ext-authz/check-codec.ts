import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import type { AskedCall } from './asked-call';
import type { Verdict } from './verdict';

/** Folder of our .proto files, from `src/policy/ext-authz` (ts) and `dist/src/policy/ext-authz` (js). */
function protoDir(): string {
  const up = __dirname.includes(`${path.sep}dist${path.sep}`) ? ['..', '..', '..', '..'] : ['..', '..', '..'];
  return path.resolve(__dirname, ...up, 'proto');
}

/** A CheckRequest that cannot be answered: which field, and why. */
export class MalformedCheck extends Error {}

/** Decodes `CheckRequest`s and encodes `CheckResponse`s with our copy of Envoy's definitions. */
export interface CheckCodec {
  /** The asked call of a CheckRequest; throws MalformedCheck naming the field. */
  decodeRequest(bytes: Uint8Array): AskedCall;
  encodeResponse(v: Verdict): Uint8Array;
}

// google.rpc.Code values for a denied CheckResponse (Envoy only tells OK from not OK; the
// code says why to anyone reading the gRPC status).
const GRPC_OK = 0;
const GRPC_CODE_BY_STATUS: Record<number, number> = { 400: 3, 401: 16, 403: 7, 429: 8 };
const PERMISSION_DENIED = 7;

interface HttpRequestMessage {
  id?: string;
  headers?: Record<string, string>;
  header_map?: { headers?: { key?: string; value?: string; raw_value?: Uint8Array }[] };
  body?: string;
  raw_body?: Uint8Array;
}

/** Loads our ext_authz definitions (once per process is enough). */
export function createCheckCodec(): CheckCodec {
  const dir = protoDir();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(dir, target));
  root.loadSync('envoy/service/auth/v3/external_auth.proto', { keepCase: true });
  root.resolveAll();
  const CheckRequest = root.lookupType('envoy.service.auth.v3.CheckRequest');
  const CheckResponse = root.lookupType('envoy.service.auth.v3.CheckResponse');

  return {
    decodeRequest(bytes) {
      let msg: { attributes?: { request?: { http?: HttpRequestMessage }; context_extensions?: Record<string, string> } };
      try {
        msg = CheckRequest.decode(bytes) as typeof msg;
      } catch (err) {
        throw new MalformedCheck(`CheckRequest is not a valid envoy.service.auth.v3.CheckRequest message: ${(err as Error).message}`);
      }
      const http = msg.attributes?.request?.http;
      if (http === undefined || http === null) {
        throw new MalformedCheck('CheckRequest.attributes.request.http is missing: spanledger decides HTTP calls only (the ext_authz HTTP filter, not the network filter)');
      }
      const headers = headerLookup(http);
      const body = http.body ? http.body : http.raw_body && http.raw_body.length > 0 ? Buffer.from(http.raw_body).toString('utf8') : undefined;
      return {
        header: headers,
        body,
        gatewayRequestId: http.id || undefined,
        provider: msg.attributes?.context_extensions?.provider,
      };
    },
    encodeResponse(v) {
      const status = { code: v.allowed ? GRPC_OK : (GRPC_CODE_BY_STATUS[v.status] ?? PERMISSION_DENIED), message: v.allowed ? '' : (v.decision.reason ?? 'denied') };
      const option = ([key, value]: [string, string]) => ({ header: { key, value }, append_action: 2 /* OVERWRITE_IF_EXISTS_OR_ADD */ });
      const body = v.allowed
        ? { status, ok_response: { headers: v.upstreamHeaders.map(option) } }
        : { status, denied_response: { status: { code: v.status }, headers: v.denyHeaders.map(option), body: v.body } };
      return CheckResponse.encode(CheckResponse.fromObject(body)).finish();
    },
  };
}

/** Header lookup over `headers`, or `header_map` when Envoy sends raw headers. */
function headerLookup(http: HttpRequestMessage): (name: string) => string | undefined {
  const entries = http.header_map?.headers;
  if (entries !== undefined && entries.length > 0) {
    const m = new Map<string, string>();
    for (const h of entries) {
      if (!h.key) continue;
      const key = h.key.toLowerCase();
      const value = h.value ? h.value : h.raw_value ? Buffer.from(h.raw_value).toString('utf8') : '';
      const prev = m.get(key);
      m.set(key, prev === undefined ? value : `${prev},${value}`);
    }
    return (name) => m.get(name);
  }
  const map = http.headers ?? {};
  return (name) => (Object.prototype.hasOwnProperty.call(map, name) ? map[name] : undefined);
}
