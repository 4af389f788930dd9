import { statfsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { RetryableError } from '../pipeline';

/** How much free space the guard keeps: the larger of the two. */
export interface DiskReserve {
  reserveMb: number;
  reservePercent: number;
}

/** Free space on the filesystems storage and the spool write to. */
export interface DiskGuard {
  /** Why writes are refused now (a filesystem is below its reserve), or undefined. */
  lowReason(): string | undefined;
  /** Throws a RetryableError (503 + Retry-After) while a filesystem is below its reserve. */
  assertRoom(): void;
  close(): void;
}

const MIB = 1024 * 1024;
const RETRY_AFTER_MS = 10_000;

/**
 * Watches `paths` (existing directories) with `statfs` every `intervalMs` (and once at
 * creation). A filesystem is low when the space available to us is under its reserve,
 * `max(reserveMb, reservePercent of its size)`; then writes are refused as retryable and
 * readiness fails, so the engine never runs out of space mid-merge. Both reserves 0 turn
 * the guard off. `onChange` hears each transition (reason, or undefined when room returns).
 */
export function createDiskGuard(paths: readonly string[], reserve: DiskReserve, intervalMs: number, onChange?: (reason: string | undefined) => void): DiskGuard {
  const off = reserve.reserveMb <= 0 && reserve.reservePercent <= 0;
  let reason: string | undefined;
  const judge = (stats: { bavail: number; bsize: number; blocks: number }[]) => {
    let next: string | undefined;
    for (let i = 0; i < stats.length && next === undefined; i++) {
      const s = stats[i]!;
      const freeBytes = s.bavail * s.bsize;
      const reserveBytes = Math.max(reserve.reserveMb * MIB, (s.blocks * s.bsize * reserve.reservePercent) / 100);
      if (freeBytes < reserveBytes) {
        next = `disk nearly full: ${paths[i]} has ${Math.floor(freeBytes / MIB)} MiB free, under the ${Math.ceil(reserveBytes / MIB)} MiB reserve kept for merges`;
      }
    }
    if (next !== reason) {
      reason = next;
      onChange?.(reason);
    }
  };
  if (!off) judge(paths.map((p) => statfsSync(p)));
  let checking = false;
  const timer = off
    ? undefined
    : setInterval(() => {
        if (checking) return;
        checking = true;
        Promise.all(paths.map((p) => statfs(p)))
          .then(judge, () => undefined)
          .finally(() => {
            checking = false;
          });
      }, intervalMs);
  timer?.unref();
  return {
    lowReason: () => reason,
    assertRoom() {
      if (reason !== undefined) throw new RetryableError(reason, RETRY_AFTER_MS);
    },
    close() {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
