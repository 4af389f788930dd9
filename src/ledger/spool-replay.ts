import { PermanentError } from '../pipeline';
import type { DeadLetter, DeadLetterStore } from './dead-letters';
import type { DiskGuard } from './disk-guard';
import type { SpoolRecord } from './spool';

/** Inserts the rows of some records into both tables; rejects with a classified storage error. */
export type InsertRecords = (recs: SpoolRecord[]) => Promise<void>;

/** What an admin replay of dead letters did. */
export interface DeadLetterReplay {
  replayed: string[];
  /** Still refused for good, with the engine's reason; they stay in the store. */
  refused: { id: string; reason: string }[];
  /** Set when storage refused for a passing cause; the rest were not tried. */
  unavailable?: string;
}

/** Where replay outcomes are told. */
export interface ReplayDeps {
  insertRecords: InsertRecords;
  deadLetters?: DeadLetterStore;
  diskGuard?: DiskGuard;
  replayed?(records: number): void;
  deadLettered?(entry: DeadLetter): void;
}

/**
 * Replays one chunk of spooled records. If storage refuses the chunk, each record is tried
 * alone: one refused for good (PermanentError) goes to the dead-letter store and the rest go
 * on; a passing refusal rejects, so the spool keeps its segment and tries again later.
 */
export function replayChunk(deps: ReplayDeps): (recs: SpoolRecord[]) => Promise<void> {
  const setAside = async (rec: SpoolRecord, err: unknown) => {
    if (!(err instanceof PermanentError) || deps.deadLetters === undefined) throw err;
    const { entry, added } = await deps.deadLetters.add(rec, err.message);
    if (added) deps.deadLettered?.(entry);
  };
  return async (recs) => {
    deps.diskGuard?.assertRoom();
    try {
      await deps.insertRecords(recs);
      deps.replayed?.(recs.length);
      return;
    } catch (err) {
      if (recs.length === 1) return setAside(recs[0]!, err);
    }
    for (const rec of recs) {
      try {
        await deps.insertRecords([rec]);
        deps.replayed?.(1);
      } catch (err) {
        await setAside(rec, err);
      }
    }
  };
}

/**
 * Writes dead letters (`ids`, or all, oldest first) into storage again: those stored leave
 * the store, those still refused for good stay with the new reason, and a passing refusal
 * stops the run (reported as `unavailable`).
 */
export async function replayDeadLetters(deps: ReplayDeps, ids?: readonly string[]): Promise<DeadLetterReplay> {
  const result: DeadLetterReplay = { replayed: [], refused: [] };
  const store = deps.deadLetters;
  if (store === undefined) return result;
  for (const id of ids ?? store.list().map((e) => e.id)) {
    const rec = store.read(id);
    if (rec === undefined) {
      result.refused.push({ id, reason: 'no such dead letter' });
      continue;
    }
    try {
      deps.diskGuard?.assertRoom();
      await deps.insertRecords([rec]);
      await store.remove(id);
      result.replayed.push(id);
    } catch (err) {
      if (!(err instanceof PermanentError)) {
        result.unavailable = (err as Error).message;
        break;
      }
      await store.refused(id, err.message);
      result.refused.push({ id, reason: err.message });
    }
  }
  return result;
}
