import { randomBytes } from 'node:crypto';

/** Who a session belongs to: the viewer credential or the admin token signed it in. */
export type SessionRole = 'viewer' | 'admin';

/** Console sessions held in memory (a restart signs everyone out). */
export interface SessionStore {
  /** A new session id (256 random bits, base64url) for the role. */
  create(role: SessionRole, nowMs?: number): string;
  /** The role of a live session, or undefined (unknown or expired; expired ones are dropped). */
  check(id: string, nowMs?: number): SessionRole | undefined;
  /** Ends a session; unknown ids are ignored. */
  revoke(id: string): void;
  readonly size: number;
}

/**
 * Sessions keyed by their random id, each living `ttlMs` from sign-in. At most `max` are
 * held: a new one past that drops the oldest (a Map keeps insertion order), so a flood of
 * sign-ins costs bounded memory.
 */
export function createSessionStore(ttlMs: number, max: number): SessionStore {
  const sessions = new Map<string, { role: SessionRole; expiresMs: number }>();
  return {
    create(role, nowMs = Date.now()) {
      const id = randomBytes(32).toString('base64url');
      while (sessions.size >= max) sessions.delete(sessions.keys().next().value as string);
      sessions.set(id, { role, expiresMs: nowMs + ttlMs });
      return id;
    },
    check(id, nowMs = Date.now()) {
      const s = sessions.get(id);
      if (s === undefined) return undefined;
      if (s.expiresMs <= nowMs) {
        sessions.delete(id);
        return undefined;
      }
      return s.role;
    },
    revoke(id) {
      sessions.delete(id);
    },
    get size() {
      return sessions.size;
    },
  };
}
