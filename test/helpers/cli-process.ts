import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

/** The `spanledger` command as installed by `npm ci`. */
export const BIN = path.resolve(__dirname, '..', '..', '..', 'bin', 'spanledger.js');

/** A `spanledger serve` child process and the ports it announced. */
export interface ServeProcess {
  child: ChildProcess;
  ports: { otlpGrpc: number; otlpHttp: number; api: number };
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** The last lines the process wrote (stdout logs and stderr), for assertion messages. */
  tail(): string;
}

const children = new Set<ChildProcess>();

function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/**
 * Kills every child still running. Register it with `after` in each file that starts
 * services: a live child holds the test file open, and the runner would wait for it forever.
 */
export async function killAll(): Promise<void> {
  const exits = [...children].map((c) => new Promise((r) => c.once('exit', r)));
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(exits);
}

/** Runs `spanledger serve` with `args` (ports 0 are added) and waits for its "listening" log line. */
export function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--otlp-grpc-port', '0', '--otlp-http-port', '0', '--api-port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let stderr = '';
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > 40) lines.shift();
  };
  // A signal instead of an exit code is said in the tail, so a failed assertion shows it.
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => {
    if (signal !== null) keep(`(the process ended by ${signal})`);
    resolve(code);
  }));
  child.stderr!.on('data', (d) => {
    stderr += d;
    for (const line of String(d).split('\n')) if (line !== '') keep(line);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`spanledger did not start in 60 s; stderr: ${stderr}`));
    }, 60_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`spanledger exited with ${code} before listening; stderr: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      keep(line);
      let entry: { msg?: string; ports?: ServeProcess['ports'] };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg === 'spanledger listening' && entry.ports) {
        clearTimeout(timer);
        resolve({
          child,
          ports: entry.ports,
          stop: () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            return exited;
          },
          tail: () => lines.join('\n'),
        });
      }
    });
  });
}

/** Runs the command to completion and returns its exit code and output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // 'close', not 'exit': the output may still be in the pipes when the process has exited.
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
