import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { RetryableError } from '../pipeline';

/** Encoded rows of one export, as the ledger writer inserts them. */
export interface SpoolRecord {
  spans: unknown[][];
  calls: unknown[][];
}

/** A write-ahead spool: what storage could not take, kept on disk until it can. */
export interface Spool {
  /** Appends durably (written and fsync'd before it resolves); RetryableError when full. */
  append(rec: SpoolRecord): Promise<void>;
  /** Bytes held on disk. */
  readonly bytes: number;
  /** Replays records oldest first through `insert`, deleting each segment once all of it is stored. Resolves with records replayed. */
  drain(insert: (recs: SpoolRecord[]) => Promise<void>): Promise<number>;
  close(): Promise<void>;
}

const SEGMENT = /^segment-(\d{12})\.ndjson$/;
const ROTATE_BYTES = 16 * 1024 * 1024;
const REPLAY_BATCH = 200;

/**
 * Opens (and recovers) the spool in `dir`: numbered NDJSON segments, one record per line.
 * Appends made in the same moment share one write and one fsync (group commit). After a
 * crash, a torn last line is the record whose append never returned, so it was never
 * acknowledged and is skipped. Written by hand: no maintained library offers an
 * append-only, fsync'd queue of this shape for Node.
 */
export function openSpool(dir: string, maxBytes: number): Spool {
  mkdirSync(dir, { recursive: true });
  const segments = readdirSync(dir)
    .map((f) => SEGMENT.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  let bytes = segments.reduce((sum, seq) => sum + statSync(file(seq)).size, 0);
  let seq = (segments[segments.length - 1] ?? 0) + 1;
  let handle: FileHandle | undefined;
  let handleBytes = 0;
  let queue: { line: Buffer; resolve: () => void; reject: (e: unknown) => void }[] = [];
  let writing: Promise<void> | undefined;
  let closed = false;

  function file(n: number): string {
    return path.join(dir, `segment-${String(n).padStart(12, '0')}.ndjson`);
  }

  const rotate = async () => {
    if (handle !== undefined) await handle.close();
    handle = undefined;
    handleBytes = 0;
    seq++;
  };

  const flush = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      const data = Buffer.concat(batch.map((b) => b.line));
      try {
        if (handle === undefined) handle = await open(file(seq), 'a');
        await handle.write(data);
        await handle.sync();
        handleBytes += data.length;
        bytes += data.length;
        for (const b of batch) b.resolve();
        if (handleBytes >= ROTATE_BYTES) await rotate();
      } catch (err) {
        for (const b of batch) b.reject(new RetryableError(`spool write failed: ${(err as Error).message}`, 2000, { cause: err }));
      }
    }
  };

  return {
    get bytes() {
      return bytes;
    },
    append(rec) {
      if (closed) return Promise.reject(new RetryableError('spool is closed', 1000));
      const line = Buffer.from(`${JSON.stringify(rec)}\n`);
      if (bytes + line.length > maxBytes) {
        return Promise.reject(new RetryableError(`storage is unavailable and the spool is full (${bytes} of ${maxBytes} bytes)`, 5000));
      }
      const done = new Promise<void>((resolve, reject) => queue.push({ line, resolve, reject }));
      writing ??= flush().finally(() => {
        writing = undefined;
      });
      return done;
    },
    async drain(insert) {
      await writing;
      // Take the open segment too, unless appends are under way.
      if (handle !== undefined && queue.length === 0) await rotate();
      const ready = readdirSync(dir)
        .map((f) => SEGMENT.exec(f))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => Number(m[1]))
        .filter((n) => n < seq)
        .sort((a, b) => a - b);
      let replayed = 0;
      for (const n of ready) {
        const text = await readFile(file(n), 'utf8');
        const records: SpoolRecord[] = [];
        for (const line of text.split('\n')) {
          if (line === '') continue;
          try {
            records.push(JSON.parse(line) as SpoolRecord);
          } catch {
            // A torn last line: its append never returned, so it was never acknowledged.
          }
        }
        for (let i = 0; i < records.length; i += REPLAY_BATCH) await insert(records.slice(i, i + REPLAY_BATCH));
        const size = Buffer.byteLength(text);
        await unlink(file(n));
        bytes -= size;
        replayed += records.length;
      }
      return replayed;
    },
    async close() {
      closed = true;
      await writing;
      if (handle !== undefined) await handle.close();
      handle = undefined;
    },
  };
}
