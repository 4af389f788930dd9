import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import type { SpoolRecord } from './spool';

/** One acknowledged export storage refused for good, as listed by the admin endpoint. */
export interface DeadLetter {
  id: string;
  /** ISO time it was set aside, and of its last replay attempt. */
  deadLetteredAt: string;
  lastAttemptAt: string;
  /** Why storage refused it (the engine's error, classified permanent). */
  reason: string;
  spans: number;
  calls: number;
  bytes: number;
}

/** Acknowledged exports storage refused permanently, kept on disk until replayed. */
export interface DeadLetterStore {
  /**
   * Writes `rec` durably (fsync'd file, then renamed in place) and returns its entry; `added`
   * is false when the same record was already held (its id is its content's digest, so a
   * replay repeated after a stop never keeps one export twice).
   */
  add(rec: SpoolRecord, reason: string): Promise<{ entry: DeadLetter; added: boolean }>;
  /** Every entry, oldest first. */
  list(): DeadLetter[];
  /** The stored rows of one entry. */
  read(id: string): SpoolRecord | undefined;
  /** Records a failed replay attempt's reason. */
  refused(id: string, reason: string): Promise<void>;
  /** Deletes an entry once it is stored. */
  remove(id: string): Promise<void>;
  readonly count: number;
}

interface Stored extends DeadLetter {
  record: SpoolRecord;
}

const FILE = /^(dl-[0-9a-f]{24})\.json$/;

/**
 * Opens the dead-letter store in `dir` (created if absent): one JSON file per export,
 * `{id, deadLetteredAt, lastAttemptAt, reason, spans, calls, bytes, record}`. Entries are
 * indexed in memory at open, so listing and counting never read the disk.
 */
export function openDeadLetters(dir: string): DeadLetterStore {
  mkdirSync(dir, { recursive: true });
  const index = new Map<string, DeadLetter>();
  for (const f of readdirSync(dir)) {
    const m = FILE.exec(f);
    if (m === null) continue;
    const { record: _record, ...entry } = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Stored;
    index.set(m[1]!, entry);
  }
  const fileOf = (id: string) => path.join(dir, `${id}.json`);
  const write = async (entry: Stored) => {
    const tmp = `${fileOf(entry.id)}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(entry));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, fileOf(entry.id));
    const d = await open(dir, 'r');
    await d.sync().finally(() => d.close());
  };
  return {
    get count() {
      return index.size;
    },
    async add(record, reason) {
      const text = JSON.stringify(record);
      const id = `dl-${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      const held = index.get(id);
      if (held !== undefined) return { entry: held, added: false };
      const now = new Date();
      const entry: DeadLetter = {
        id,
        deadLetteredAt: now.toISOString(),
        lastAttemptAt: now.toISOString(),
        reason,
        spans: record.spans.length,
        calls: record.calls.length,
        bytes: Buffer.byteLength(text),
      };
      await write({ ...entry, record });
      index.set(id, entry);
      return { entry, added: true };
    },
    list: () => [...index.values()].sort((a, b) => (a.deadLetteredAt < b.deadLetteredAt ? -1 : a.deadLetteredAt > b.deadLetteredAt ? 1 : 0)),
    read(id) {
      if (!index.has(id)) return undefined;
      return (JSON.parse(readFileSync(fileOf(id), 'utf8')) as Stored).record;
    },
    async refused(id, reason) {
      const entry = index.get(id);
      if (entry === undefined) return;
      const updated = { ...entry, reason, lastAttemptAt: new Date().toISOString() };
      await write({ ...updated, record: (JSON.parse(readFileSync(fileOf(id), 'utf8')) as Stored).record });
      index.set(id, updated);
    },
    async remove(id) {
      if (!index.delete(id)) return;
      await unlink(fileOf(id));
    },
  };
}
