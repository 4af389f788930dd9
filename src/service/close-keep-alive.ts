import type { FastifyInstance } from 'fastify';

/**
 * Lets `app.close()` finish while clients hold keep-alive connections. Node closes the
 * connections that are idle when the server closes, but a connection whose request is
 * still in flight goes idle afterwards and would hold the close until the client drops it
 * (a minute with fetch's defaults). So while closing, idle connections are closed every
 * `pollMs`, and whatever is still open after `graceMs` is cut.
 */
export function closeKeepAliveOnShutdown(app: FastifyInstance, graceMs: number, pollMs = 50): void {
  let poll: NodeJS.Timeout | undefined;
  let cut: NodeJS.Timeout | undefined;
  app.addHook('preClose', (done) => {
    poll = setInterval(() => app.server.closeIdleConnections(), pollMs);
    cut = setTimeout(() => app.server.closeAllConnections(), graceMs);
    done();
  });
  app.addHook('onClose', (_app, done) => {
    clearInterval(poll);
    clearTimeout(cut);
    done();
  });
}
