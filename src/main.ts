import pino from 'pino';
import pretty from 'pino-pretty';
import { ConfigError, SETTING_SOURCES, loadConfig, maskUrlCredentials, maskingDestination, redactConfig, type SpanledgerConfig } from './config';
import { DEMO_USAGE, demoCommand } from './cli/demo-command';
import { HASH_TOKEN_USAGE, hashTokenCommand } from './cli/hash-token-command';
import { PRICES_USAGE, pricesCommand } from './cli/prices-command';
import { REPORT_USAGE, reportCommand } from './cli/report-command';
import { SCHEMA_USAGE, schemaCommand } from './cli/schema-command';
import { startService, startWatchdog, startupSummary } from './service';

const USAGE = `usage: spanledger serve [--config FILE] [--data-dir DIR | --clickhouse-url URL] [--host H]
                       [--otlp-grpc-port N] [--otlp-http-port N] [--api-port N] [--admin-token T]
                       [--viewer-token T] [--registry FILE] [--allow-unauthenticated]   (spanledger serve --help)
       spanledger demo                        a month of synthetic traffic for the console (spanledger demo --help)
       spanledger hash-token < token-file     prints the registry form (sha256:...) of a token
       spanledger prices show|check|reprice   price book and re-rating (spanledger prices --help)
       spanledger report chargeback|audit|quality|reconcile|budgets|prices|sessions|focus|import-invoice   reports (spanledger report --help)
       spanledger schema [--cluster NAME]      prints the ledger's DDL, for a schema managed elsewhere
Every flag has a SPANLEDGER_* environment variable (see README). Flags beat the
environment, the environment beats the config file, the file beats defaults.`;

const SERVE_USAGE = `usage: spanledger serve [flags]
Runs the service: OTLP/gRPC and OTLP/HTTP receivers, the ledger, and the API port (console at /,
reports, policy, /metrics, /clickhouse). Flags and their environment variables:
  --config FILE                              a YAML or JSON config file
${SETTING_SOURCES.map((s) => `  --${s.flag}${s.boolean ? '' : ' V'}`.padEnd(45) + s.env).join('\n')}
Flags beat the environment, the environment beats the config file, the file beats defaults.`;

type Subcommand = (argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream) => Promise<number>;

/** Subcommands other than `serve`, each resolving with its exit code, and their help. */
const SUBCOMMANDS: Record<string, { run: Subcommand; help: string }> = {
  prices: { run: pricesCommand, help: PRICES_USAGE },
  report: { run: reportCommand, help: REPORT_USAGE },
  demo: { run: demoCommand, help: DEMO_USAGE },
  schema: { run: schemaCommand, help: SCHEMA_USAGE },
  'hash-token': { run: () => hashTokenCommand(process.stdin, process.stdout, process.stderr), help: HASH_TOKEN_USAGE },
  serve: { run: async () => 0, help: SERVE_USAGE },
};

/** The log destination: readable text on a terminal (or when asked), JSON lines elsewhere; credentials in URLs masked either way. */
function logDestination(cfg: SpanledgerConfig): { write(line: string): boolean } | NodeJS.WritableStream {
  const readable = cfg.logFormat === 'pretty' || (cfg.logFormat === 'auto' && process.stdout.isTTY === true);
  if (!readable) return maskingDestination();
  const stream = pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service', singleLine: false, destination: 1, sync: true });
  return maskingDestination(stream);
}

/** Entry point of the `spanledger` command; the only place that exits the process. */
async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const sub = SUBCOMMANDS[command];
  if (sub !== undefined && (rest.includes('--help') || rest.includes('-h') || rest[0] === 'help')) {
    process.stdout.write(`${sub.help}\n`);
    process.exit(0);
  }
  if (sub !== undefined && command !== 'serve') {
    let code: number;
    try {
      code = await sub.run(rest, process.stdout, process.stderr);
    } catch (err) {
      process.stderr.write(maskUrlCredentials(`spanledger ${command}: ${(err as Error).message}\n`));
      code = 2;
    }
    // Writes to a pipe are asynchronous: exiting now would cut a report piped to jq or gzip
    // at the pipe's buffer (64 KiB), silently. Exit once both streams have taken everything.
    await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))));
    process.exit(code);
  }
  if (command !== 'serve') {
    process.stderr.write(`spanledger: unknown command '${command}'\n${USAGE}\n`);
    process.exit(2);
  }
  let cfg;
  try {
    cfg = loadConfig({ argv: rest });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`spanledger: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = pino(
    {
      level: cfg.logLevel,
      base: { service: 'spanledger' },
      redact: ['adminToken', 'ledger.clickhousePassword', 'console.viewerToken', 'req.headers.authorization', 'req.headers.cookie'],
    },
    logDestination(cfg),
  );
  const readableLogs = cfg.logFormat === 'pretty' || (cfg.logFormat === 'auto' && process.stdout.isTTY === true);
  // On a terminal the whole configuration would bury the next steps: it is there at debug level.
  if (readableLogs) log.debug({ config: redactConfig(cfg) }, 'starting');
  else log.info({ config: redactConfig(cfg) }, 'starting');
  let service;
  try {
    service = await startService(cfg, log);
  } catch (err) {
    log.fatal({ err }, 'failed to start');
    process.exit(1);
  }
  const summary = startupSummary(cfg, service.ports);
  if (readableLogs) log.info(summary.text);
  else log.info({ urls: summary.urls }, summary.text);
  // Started once up: a process that stops turning its event loop (out of heap) exits.
  const watchdog = cfg.watchdogStallMs > 0 ? startWatchdog(cfg.watchdogStallMs) : undefined;
  let signals = 0;
  const onSignal = (signal: string) => {
    signals++;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown deadline passed: exiting');
      // Not process.exit: its exit hooks close chDB, which waits for an engine call still
      // running. What was acknowledged is in the ledger or the spool either way.
      process.kill(process.pid, 'SIGKILL');
    }, cfg.shutdownGraceMs + 5000);
    force.unref();
    service.stop().then(
      () => {
        watchdog?.stop();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(maskUrlCredentials(`spanledger: ${(err as Error).stack ?? String(err)}\n`));
  process.exit(1);
});
