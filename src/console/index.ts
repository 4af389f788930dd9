/** The console: a read-only web page on the API port, its sign-in and sessions. */
export { consoleConfigSchema, type ConsoleConfig } from './config';
export { registerConsoleRoutes, type ConsoleRouteOptions } from './console-routes';
export { createReadGuard, createWriteGuard, signInRole, type ReadCheck } from './read-guard';
export { createSessionStore, type SessionRole, type SessionStore } from './session-store';
export { CONSOLE_CSP, CONSOLE_HEADERS } from './security-headers';
export { SESSION_COOKIE, sessionCookie, sessionIdOf } from './session-cookie';
