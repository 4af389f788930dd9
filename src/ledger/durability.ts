import * as path from 'node:path';
import { spoolDirOf, type LedgerConfig } from './config';
import { openDeadLetters, type DeadLetterStore } from './dead-letters';
import { createDiskGuard, type DiskGuard } from './disk-guard';
import { openSpool, type Spool } from './spool';

/** What keeps acknowledged exports safe while storage cannot take them. */
export interface Durability {
  /** The spool directory in force (`spoolDirOf`), used or not. */
  readonly spoolDir: string;
  /** Absent when `spoolMaxBytes` is 0 (the spool is off). */
  readonly spool: Spool | undefined;
  /** Next to the spool, so the two travel together; absent without a spool. */
  readonly deadLetters: DeadLetterStore | undefined;
  /** Watches the embedded data directory and the spool's filesystem against the reserve. */
  readonly diskGuard: DiskGuard;
}

/**
 * Opens the spool (unless turned off), its dead-letter store (only replayed, acknowledged
 * exports land there) and the disk guard over the filesystems the ledger writes: the data
 * directory in embedded mode, and the spool's. `onDiskChange` is told when free space falls
 * below the reserve (with the reason) and when it is back (undefined). Close the disk guard
 * at stop; the ledger writer closes the spool.
 */
export function openDurability(cfg: LedgerConfig, mode: 'embedded' | 'server', onDiskChange?: (reason: string | undefined) => void): Durability {
  const spoolDir = spoolDirOf(cfg);
  const spool = cfg.spoolMaxBytes > 0 ? openSpool(spoolDir, cfg.spoolMaxBytes) : undefined;
  const deadLetters = spool === undefined ? undefined : openDeadLetters(path.join(spoolDir, 'dead-letters'));
  const watched = [...(mode === 'embedded' ? [path.resolve(cfg.dataDir)] : []), ...(spool === undefined ? [] : [spoolDir])];
  const diskGuard = createDiskGuard(watched, { reserveMb: cfg.diskReserveMb, reservePercent: cfg.diskReservePercent }, cfg.diskCheckIntervalMs, onDiskChange);
  return { spoolDir, spool, deadLetters, diskGuard };
}
