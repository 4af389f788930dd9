import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
const JS_MODULE = '/usr/lib/nginx/modules/ngx_http_js_module.so';

/** A free loopback port (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A running nginx (Debian's, in the foreground as a child process) with its prefix, pid and logs in a temporary directory. */
export interface RunningNginx {
  port: number;
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * Starts nginx with one of the shipped `deploy/nginx/*.conf` files: its upstream addresses,
 * listen port and gateway token replaced by the test's, inside a minimal main configuration.
 */
export async function startNginx(o: { site: string; spanledger: string; llm: string; gatewayToken: string; js?: boolean }): Promise<RunningNginx> {
  const deploy = path.resolve(__dirname, '..', '..', '..', 'deploy', 'nginx');
  const prefix = mkdtempSync(path.join(tmpdir(), 'spanledger-nginx-'));
  for (const d of ['logs', 'body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(prefix, d));
  const port = await freePort();
  const site = readFileSync(path.join(deploy, o.site), 'utf8')
    .replaceAll('127.0.0.1:8080', o.spanledger)
    .replaceAll('127.0.0.1:9000', o.llm)
    .replace(/listen \d+;/, `listen 127.0.0.1:${port};`)
    .replaceAll('GATEWAY_TOKEN', o.gatewayToken)
    .replace('js_path /etc/nginx/njs/;', `js_path ${deploy}/;`);
  writeFileSync(path.join(prefix, 'site.conf'), site);
  const errorLog = path.join(prefix, 'logs', 'error.log');
  const main = [
    ...(o.js ? [`load_module ${JS_MODULE};`] : []),
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    'daemon off;',
    'worker_processes 1;',
    `pid ${path.join(prefix, 'nginx.pid')};`,
    `error_log ${errorLog} notice;`,
    'events { worker_connections 256; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${prefix}/body;`,
    `  proxy_temp_path ${prefix}/proxy;`,
    `  fastcgi_temp_path ${prefix}/fastcgi;`,
    `  uwsgi_temp_path ${prefix}/uwsgi;`,
    `  scgi_temp_path ${prefix}/scgi;`,
    `  include ${path.join(prefix, 'site.conf')};`,
    '}',
  ].join('\n');
  const conf = path.join(prefix, 'nginx.conf');
  writeFileSync(conf, main);
  const child: ChildProcess = spawn(NGINX, ['-p', prefix, '-c', conf, '-e', errorLog], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const readLog = () => {
    try {
      return readFileSync(errorLog, 'utf8');
    } catch {
      return '';
    }
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}: ${stderr}${readLog()}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not listen on ${port} within 10 s: ${stderr}${readLog()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    errorLog: readLog,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
