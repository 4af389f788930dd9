import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayCheck } from '../routes';
import type { ExtAuthzCheck } from './check';
import type { ExtAuthzConfig } from './config';
import type { Verdict } from './verdict';

/** Request header asking for every deny as this status (401 or 403), the real one in `x-spanledger-status`: nginx `auth_request` passes only those two on. */
export const DENY_AS_HEADER = 'x-spanledger-deny-as';
const STATUS_HEADER = 'x-spanledger-status';
const ERROR_HEADER = 'x-spanledger-error';
const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Registers ext_authz over HTTP on the API app: any method on `httpPathPrefix` and below
 * (Envoy's HTTP mode puts the original path after the prefix; Traefik ForwardAuth and
 * APISIX forward-auth call the address as it is, with `x-forwarded-uri`). The gateway's own
 * token comes in `gatewayHeader`; the original headers, and the body when forwarded, are
 * the call's. Allow: 200, empty body, the upstream headers. Deny: the reason's status with
 * the OpenAI-shaped body and `retry-after`.
 */
export function registerExtAuthzHttp(app: FastifyInstance, opts: { check: ExtAuthzCheck; gateway: GatewayCheck; config: ExtAuthzConfig }): void {
  void app.register(async (scope) => {
    // Whatever the original request carried arrives as text; only a JSON object is read.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_req, body, done) => done(null, body));
    const handle = (req: FastifyRequest, reply: FastifyReply) => {
      const check = opts.gateway(headerOf(req, opts.config.gatewayHeader));
      if (typeof check !== 'object') {
        void reply.code(401).send({ error: { message: check === 'missing' ? `missing gateway credentials: send ${opts.config.gatewayHeader}: Bearer <gateway sender token>` : 'unknown gateway credentials', type: 'unauthenticated', param: null, code: '401' } });
        return;
      }
      const verdict = opts.check({ header: (name) => headerOf(req, name), body: typeof req.body === 'string' && req.body !== '' ? req.body : undefined }, check.gatewayId);
      send(reply, verdict, headerOf(req, DENY_AS_HEADER));
    };
    scope.all(opts.config.httpPathPrefix, handle);
    scope.all(`${opts.config.httpPathPrefix}/*`, handle);
  });
}

function send(reply: FastifyReply, v: Verdict, denyAs: string | undefined): void {
  if (v.allowed) {
    for (const [k, value] of v.upstreamHeaders) reply.header(k, value);
    void reply.code(200).send();
    return;
  }
  for (const [k, value] of v.denyHeaders) reply.header(k, value);
  if (denyAs === '401' || denyAs === '403') {
    // nginx reads only headers from an auth subrequest: the status and body ride in them
    // (JSON with every non-ASCII character escaped, so it is a valid header value).
    reply.header(STATUS_HEADER, String(v.status));
    reply.header(ERROR_HEADER, asciiJson(v.body));
    void reply.code(Number(denyAs)).send(v.body);
    return;
  }
  void reply.code(v.status).send(v.body);
}

function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function asciiJson(json: string): string {
  return json.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
