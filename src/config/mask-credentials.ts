// userinfo of any scheme://user:password@host, up to the '@' (no '/', space or quote in between)
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>]+@/gi;
// query parameters that carry a credential: ?token=..., &api_key=..., &sig=...
const SECRET_PARAM = /([?&](?:token|access_token|api[-_]?key|key|secret|password|passwd|pwd|sig|signature|auth)=)[^&#\s"'<>]+/gi;

/**
 * Masks credentials written inside URLs anywhere in `text`: the user and password of
 * `scheme://user:password@host` and credential-like query parameters become `***`.
 * Used on every log line and on the configuration shown at start.
 */
export function maskUrlCredentials(text: string): string {
  if (!text.includes('://') && !text.includes('=')) return text;
  return text.replace(USERINFO, '$1***@').replace(SECRET_PARAM, '$1***');
}

/**
 * A pino destination that masks URL credentials in each line before writing it to
 * `out`: one place, so no log line (config, errors from storage clients, webhook
 * deliveries) can carry a password written into a URL.
 */
export function maskingDestination(out: NodeJS.WritableStream = process.stdout): { write(line: string): boolean } {
  return { write: (line) => out.write(maskUrlCredentials(line)) };
}
