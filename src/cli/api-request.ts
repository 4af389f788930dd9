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

// What the CLI's user can do about a coded API error: by code, never by its text.
const HINTS: Record<string, string> = {
  SPANLEDGER_UNAUTHORIZED: 'pass the service\'s admin token with --admin-token or SPANLEDGER_ADMIN_TOKEN',
  SPANLEDGER_READ_ONLY: 'this needs the admin token, not the viewer credential: pass it with --admin-token or SPANLEDGER_ADMIN_TOKEN',
  SPANLEDGER_DISABLED: 'the service was started without an admin token: restart it with --admin-token',
  SPANLEDGER_UNAVAILABLE: 'storage is busy or short of room: try again shortly',
};

/**
 * One line for a failed API answer: the command, the status, the URL tried, the API's
 * message and, for a coded error the user can act on, what to do.
 */
export async function describeApiFailure(command: string, url: string, res: Response): Promise<string> {
  const text = await res.text();
  let message = text.slice(0, 500);
  let code: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: unknown; code?: unknown };
    if (typeof body.error === 'string') message = body.error;
    if (typeof body.code === 'string') code = body.code;
  } catch {
    // Not JSON (a proxy's page, say): the text as it came.
  }
  const hint = code === undefined ? undefined : HINTS[code];
  return `spanledger ${command}: HTTP ${res.status} from ${url}: ${message}${hint ? ` (${hint})` : ''}\n`;
}
