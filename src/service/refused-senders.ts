import type { Logger } from 'pino';
import type { ExportContext } from '../pipeline';
import { rateLimited } from './rate-limited-log';

/**
 * Wraps the OTLP authenticator so refused senders are logged, at most once a minute with
 * the count of refusals since the last line (a misconfigured fleet retries every second).
 * The reason says whether a token was missing or unknown; the token itself is never logged.
 */
export function logRefusedSenders(authenticate: (authorization: string | undefined) => ExportContext, log: Logger, intervalMs = 60_000): (authorization: string | undefined) => ExportContext {
  let reason = '';
  const note = rateLimited(intervalMs, (suppressed) =>
    log.warn({ reason, refusedSinceLastLine: suppressed }, 'refused an OTLP export (401 / UNAUTHENTICATED): give each sender a token from the registry, or start with --allow-unauthenticated for a trial'),
  );
  return (authorization) => {
    try {
      return authenticate(authorization);
    } catch (err) {
      reason = (err as Error).message;
      note();
      throw err;
    }
  };
}
