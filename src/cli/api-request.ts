/** The API's base URL from the CLI's configuration (a wildcard host means this machine). */
export function apiBase(config: { host: string; apiPort: number; tls?: { certFile?: string } }): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const scheme = config.tls?.certFile ? 'https' : 'http';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${config.apiPort}`;
}

/** A request the CLI could not complete: the message names the URL it tried and why. */
export class CliRequestError extends Error {
  constructor(readonly url: string, reason: string) {
    super(`${reason} (tried ${url})`);
  }
}

/**
 * fetch for the CLI: a connection failure becomes a CliRequestError naming the URL and the
 * underlying cause (connection refused, unknown host...) instead of a bare "fetch failed".
 */
export async function cliFetch(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code === 'ECONNREFUSED' ? 'nothing is listening there: is `spanledger serve` running, and on this port?' : (cause?.message ?? (err as Error).message);
    throw new CliRequestError(url, `cannot reach the spanledger API: ${why}`);
  }
}
