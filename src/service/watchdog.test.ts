import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

const WATCHDOG = path.join(__dirname, 'watchdog.js');

/** Runs a script in a child node process; resolves with how it ended and its stderr. */
function run(script: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

test('a process whose event loop stops turning, ignoring SIGTERM, is killed with one fatal line', async () => {
  // The child ignores SIGTERM and then spins for up to 60 s, as a process stuck in GC would.
  const res = await run(`
    require(${JSON.stringify(WATCHDOG)}).startWatchdog(500);
    process.on('SIGTERM', () => {});
    setTimeout(() => { const end = Date.now() + 60000; while (Date.now() < end) {} process.exit(0); }, 100);
  `);
  assert.equal(res.signal, 'SIGKILL', `exit ${res.code}, stderr ${res.stderr}`);
  const line = JSON.parse(res.stderr.trim().split('\n').pop()!) as { level: number; msg: string };
  assert.equal(line.level, 60);
  assert.match(line.msg, /^event loop stalled for \d+ ms \(out of memory or wedged\): exiting so a supervisor restarts the service/);
});

test('a busy process whose loop keeps turning is left alone and exits by itself', async () => {
  const res = await run(`
    const dog = require(${JSON.stringify(WATCHDOG)}).startWatchdog(500);
    let n = 0;
    const t = setInterval(() => { const end = Date.now() + 100; while (Date.now() < end) {} if (++n === 20) { clearInterval(t); dog.stop(); } }, 1);
  `);
  assert.deepEqual([res.code, res.signal, res.stderr], [0, null, '']);
});
