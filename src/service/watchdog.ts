import { Worker } from 'node:worker_threads';

/** A running watchdog; `stop` ends it (at shutdown). */
export interface Watchdog {
  stop(): void;
}

// Runs on its own thread and heap, so it keeps running while the main thread is stuck.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const beats = new Int32Array(workerData.shared);
let last = Atomics.load(beats, 0);
let lastChangeMs = Date.now();
setInterval(() => {
  const now = Date.now();
  const seen = Atomics.load(beats, 0);
  if (seen !== last) { last = seen; lastChangeMs = now; return; }
  if (now - lastChangeMs < workerData.stallMs) return;
  writeSync(2, JSON.stringify({ level: 60, time: now, service: 'spanledger', msg: 'event loop stalled for ' + (now - lastChangeMs) + ' ms (out of memory or wedged): exiting so a supervisor restarts the service and the spool replays' }) + '\\n');
  process.kill(process.pid, 'SIGKILL');
}, workerData.checkMs);
`;

/**
 * Kills the process when its event loop has not turned for `stallMs`. A process that ran
 * out of heap can spend minutes in back-to-back garbage collections without crashing,
 * ignoring SIGTERM and holding its ports; a supervisor only restarts what exits. The main
 * thread bumps a shared counter every second (every quarter of `stallMs` if shorter); a
 * worker thread checks it and, on a stall, writes one fatal line to stderr and sends the
 * process SIGKILL (acknowledged exports are in the ledger or the spool, which replays at
 * the next start).
 */
export function startWatchdog(stallMs: number): Watchdog {
  const shared = new SharedArrayBuffer(4);
  const beats = new Int32Array(shared);
  const everyMs = Math.min(1000, Math.max(20, Math.floor(stallMs / 4)));
  const beat = setInterval(() => Atomics.add(beats, 0, 1), everyMs);
  beat.unref();
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { shared, stallMs, checkMs: everyMs } });
  worker.unref();
  return {
    stop() {
      clearInterval(beat);
      void worker.terminate();
    },
  };
}
