import createError from '@fastify/error';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The coded errors of spanledger's own HTTP APIs (admin, reports, drill-down, console,
 * readiness). A route throws one; the API app's one error handler answers with its status
 * and `{ error: <message>, code: <code> }`, and the CLI and tests match the code, never
 * the text. The policy's OpenAI-shaped errors and `/clickhouse`'s ClickHouse-shaped ones are
 * protocols of their own and are not in this catalogue.
 */
export const ApiError = {
  /** 400: a parameter or body is wrong; the message names the field and why. */
  invalidRequest: createError<'SPANLEDGER_INVALID_REQUEST', 400, [string]>('SPANLEDGER_INVALID_REQUEST', '%s', 400),
  /** 401: the credential is missing or wrong. */
  unauthorized: createError<'SPANLEDGER_UNAUTHORIZED', 401, [string]>('SPANLEDGER_UNAUTHORIZED', '%s', 401),
  /** 403: the endpoint is off (no admin token or viewer credential configured). */
  disabled: createError<'SPANLEDGER_DISABLED', 403, [string]>('SPANLEDGER_DISABLED', '%s', 403),
  /** 403: a valid read-only credential (the viewer's, or a console session) on a route that changes something. */
  readOnly: createError<'SPANLEDGER_READ_ONLY', 403, [string]>('SPANLEDGER_READ_ONLY', '%s', 403),
  /** 404: nothing stored matches. */
  notFound: createError<'SPANLEDGER_NOT_FOUND', 404, [string]>('SPANLEDGER_NOT_FOUND', '%s', 404),
  /** 429: too many attempts; `retryAfterS` says when to try again. */
  tooManyRequests: createError<'SPANLEDGER_TOO_MANY_REQUESTS', 429, [string]>('SPANLEDGER_TOO_MANY_REQUESTS', '%s', 429),
  /** 503: storage or a limit is in the way for now; `retryAfterS` says when to try again. */
  unavailable: createError<'SPANLEDGER_UNAVAILABLE', 503, [string]>('SPANLEDGER_UNAVAILABLE', '%s', 503),
} as const;

/** Every code of the catalogue. */
export type ApiErrorCode = ReturnType<(typeof ApiError)[keyof typeof ApiError]>['code'];

/** A catalogue error that also says when to retry (429, 503). */
export function withRetryAfter<E extends Error>(err: E, retryAfterS: number): E & { retryAfterS: number } {
  return Object.assign(err, { retryAfterS });
}

/** What an access check decided: let through, endpoint off, no valid credential, or a read-only one on a write. */
export type AccessCheck = 'ok' | 'disabled' | 'denied' | 'read_only';

/**
 * The catalogue error of an access check that did not let a request through. `presented`
 * says whether the request carried a credential at all, so a wrong one is called wrong,
 * not missing; `needs` names what the routes take.
 */
export function accessError(check: Exclude<AccessCheck, 'ok'>, what: string, presented = false, needs = 'the admin token'): Error {
  if (check === 'disabled') return new ApiError.disabled(`${what} are disabled: start spanledger with --admin-token`);
  if (check === 'read_only') return new ApiError.readOnly(`the credential is read-only (the viewer's, or a console session): this route of the ${what} needs the admin token`);
  return new ApiError.unauthorized(presented ? `the credential presented is not valid: ${what} need ${needs} (Authorization: Bearer)` : `${what} need ${needs} (Authorization: Bearer)`);
}

/**
 * The access check of a scope of routes, as an `onRequest` hook: a request the check does
 * not let through fails with the catalogue's 403 (endpoint off, or a read-only credential
 * on a write) or 401 (credential) before any route code runs, so no route can forget it.
 */
export function accessHook(check: (req: FastifyRequest) => AccessCheck, what: string, needs?: string): (req: FastifyRequest) => Promise<void> {
  return async (req) => {
    const outcome = check(req);
    if (outcome !== 'ok') throw accessError(outcome, what, credentialPresented(req), needs);
  };
}

// A scheme with nothing after it (`Bearer `) presents no credential.
function credentialPresented(req: FastifyRequest): boolean {
  return /^\s*\S+\s+\S/.test(req.headers.authorization ?? '') || Boolean(req.headers['x-clickhouse-key']);
}

// The policy and the gateways' endpoints answer in the OpenAI error shape, which gateways
// hand to their clients as is; everything else of the API in spanledger's own.
const OPENAI_SHAPED = ['/v1/policy/', '/v1/portkey/', '/v1/ext-authz'];

/**
 * The API app's one error handler. A coded error (the catalogue in this file,
 * or fastify's own `FST_ERR_*` for a body it could not parse) keeps its status and code; a
 * 4xx without a code gets `SPANLEDGER_INVALID_REQUEST`; anything else is a 500 whose
 * details go to the log, not to the caller. `/clickhouse` has its own handler (ClickHouse's
 * shape) in its scope.
 */
export function apiErrorHandler(log: { error(obj: object, msg: string): void }) {
  return (err: FastifyError & { retryAfterS?: number }, req: FastifyRequest, reply: FastifyReply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const internal = status >= 500 && err.code?.startsWith('SPANLEDGER_') !== true;
    if (internal) log.error({ err, url: req.url }, 'API request failed');
    const code = internal ? 'SPANLEDGER_INTERNAL' : (err.code ?? (status < 500 ? 'SPANLEDGER_INVALID_REQUEST' : 'SPANLEDGER_UNAVAILABLE'));
    const message = internal ? 'internal error: see the service log' : err.message;
    if (err.retryAfterS !== undefined) void reply.header('retry-after', String(err.retryAfterS));
    void reply.code(status);
    if (OPENAI_SHAPED.some((p) => req.url.startsWith(p))) {
      return reply.send({ error: { message, type: status === 401 ? 'unauthenticated' : 'invalid_request', param: null, code: String(status) } });
    }
    return reply.send({ error: message, code });
  };
}
