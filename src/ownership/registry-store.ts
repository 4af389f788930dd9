import { unwatchFile, watchFile } from 'node:fs';
import { compileRegistry, type CompiledRegistry } from './compiled-registry';
import { loadRegistryFile, RegistryError } from './load-registry';
import { registrySchema } from './registry-schema';

/** Reports what happened on a reload; the service logs it. */
export interface RegistryEvents {
  loaded(path: string, tenants: number): void;
  rejected(path: string, message: string): void;
}

/** The registry in force, replaced atomically on a good reload. */
export interface RegistryStore {
  current(): CompiledRegistry;
  /** Re-reads the file now; keeps the old registry if the new one is invalid. */
  reload(): boolean;
  /** Why the last reload was refused, or undefined when the file in force is the newest. */
  lastError(): string | undefined;
  close(): void;
}

/**
 * Loads the registry at `path` (fails fast if invalid at start) and, with `pollMs`, watches
 * the file: a valid change takes effect for the next export, an invalid one is reported and
 * the last good registry stays. Without a path the registry is empty.
 */
export function openRegistry(path: string | undefined, events: RegistryEvents, pollMs = 1000): RegistryStore {
  if (path === undefined) {
    const empty = compileRegistry(registrySchema.parse({}));
    return { current: () => empty, reload: () => false, lastError: () => undefined, close() {} };
  }
  let current = loadRegistryFile(path);
  let lastError: string | undefined;
  events.loaded(path, current.tenantCount);
  const reload = (): boolean => {
    try {
      current = loadRegistryFile(path);
      lastError = undefined;
      events.loaded(path, current.tenantCount);
      return true;
    } catch (err) {
      lastError = err instanceof RegistryError ? err.message : String(err);
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
  return {
    current: () => current,
    reload,
    lastError: () => lastError,
    close: () => unwatchFile(path, listener),
  };
}
