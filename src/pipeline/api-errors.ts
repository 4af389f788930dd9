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

/** What an admin or read check decided, as the routes' hook throws it. */
export function accessError(check: 'disabled' | 'denied', what: string): Error {
  return check === 'disabled'
    ? new ApiError.disabled(`${what} are disabled: start spanledger with --admin-token`)
    : new ApiError.unauthorized('the admin token is required (Authorization: Bearer)');
}

/**
 * The access check of a scope of routes, as an `onRequest` hook: a request the check does
 * not let through fails with the catalogue's 403 (endpoint off) or 401 (credential) before
 * any route code runs, so no route can forget it.
 */
export function accessHook(check: (req: FastifyRequest) => 'ok' | 'disabled' | 'denied', what: string): (req: FastifyRequest) => Promise<void> {
  return async (req) => {
    const outcome = check(req);
    if (outcome !== 'ok') throw accessError(outcome, what);
  };
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
