import { unwatchFile, watchFile } from 'node:fs';

/** Reports what happened on a reload; the service logs it. */
export interface ReloadEvents {
  loaded(path: string): void;
  rejected(path: string, message: string): void;
}

/** A value loaded from a file and replaced atomically when the file changes and loads cleanly. */
export interface Reloadable<T> {
  current(): T;
  /** Re-reads the file now; keeps the old value if the new file does not load. */
  reload(): boolean;
  /** Why the last reload was refused, or undefined when the value in force is the newest. */
  lastError(): string | undefined;
  close(): void;
}

/** A value that never changes (no file configured). */
export function fixed<T>(value: T): Reloadable<T> {
  return { current: () => value, reload: () => false, lastError: () => undefined, close() {} };
}

/**
 * Loads `path` with `load` (its error stops start-up) and, with `pollMs` > 0, checks the
 * file for changes: a change that loads takes effect for the next use, one that fails is
 * reported and the last good value stays.
 */
export function openReloadable<T>(path: string, load: (path: string) => T, events: ReloadEvents, pollMs: number): Reloadable<T> {
  let value = load(path);
  let lastError: string | undefined;
  events.loaded(path);
  const reload = (): boolean => {
    try {
      value = load(path);
      lastError = undefined;
      events.loaded(path);
      return true;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      events.rejected(path, lastError);
      return false;
    }
  };
  // Polling rather than fs.watch: it survives editors that replace the file and
  // ConfigMap symlink swaps, and costs one stat per interval.
  const listener = (now: { mtimeMs: number; size: number }, before: { mtimeMs: number; size: number }) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) reload();
  };
  if (pollMs > 0) watchFile(path, { interval: pollMs, persistent: false }, listener);
  return { current: () => value, reload, lastError: () => lastError, close: () => unwatchFile(path, listener) };
}
