import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

// The policy and the gateways' endpoints answer in the OpenAI error shape, which gateways
// hand to their clients as is; everything else of the API in spanledger's own.
const OPENAI_SHAPED = ['/v1/policy/', '/v1/portkey/', '/v1/ext-authz'];

/**
 * The API app's one error handler. A coded error (the catalogue in `src/pipeline/api-errors`,
 * or fastify's own `FST_ERR_*` for a body it could not parse) keeps its status and code; a
 * 4xx without a code gets `SPANLEDGER_INVALID_REQUEST`; anything else is a 500 whose
 * details go to the log, not to the caller. `/clickhouse` has its own handler (ClickHouse's
 * shape) in its scope.
 */
export function apiErrorHandler(log: { error(obj: object, msg: string): void }) {
  return (err: FastifyError & { retryAfterS?: number }, req: FastifyRequest, reply: FastifyReply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500 && err.code?.startsWith('SPANLEDGER_') !== true) log.error({ err, url: req.url }, 'API request failed');
    const internal = status >= 500 && err.code?.startsWith('SPANLEDGER_') !== true;
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
