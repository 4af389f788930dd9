import pino from 'pino';
import { ConfigError, loadConfig, maskUrlCredentials, maskingDestination, redactConfig } from './config';
import { hashTokenCommand } from './cli/hash-token-command';
import { pricesCommand } from './cli/prices-command';
import { reportCommand } from './cli/report-command';
import { schemaCommand } from './cli/schema-command';
import { startService, startWatchdog } from './service';

const USAGE = `usage: spanledger serve [--config FILE] [--data-dir DIR | --clickhouse-url URL] [--host H]
                       [--otlp-grpc-port N] [--otlp-http-port N] [--api-port N] [--admin-token T]
                       [--registry FILE] [--allow-unauthenticated]
       spanledger hash-token < token-file     prints the registry form (sha256:...) of a token
       spanledger prices show|check|reprice   price book and re-rating (spanledger prices for help)
       spanledger report chargeback|audit|quality|reconcile|focus|import-invoice   finance reports (spanledger report for help)
       spanledger schema [--cluster NAME]      prints the ledger's DDL, for a schema managed elsewhere
Every flag has a SPANLEDGER_* environment variable (see README). Flags beat the
environment, the environment beats the config file, the file beats defaults.`;

/** Subcommands other than `serve`, each resolving with its exit code. */
const SUBCOMMANDS: Record<string, (argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream) => Promise<number>> = {
  prices: pricesCommand,
  report: reportCommand,
  schema: schemaCommand,
};

/** Entry point of the `spanledger` command; the only place that exits the process. */
async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === 'hash-token') process.exit(await hashTokenCommand(process.stdin, process.stdout, process.stderr));
  const sub = SUBCOMMANDS[command];
  if (sub !== undefined) {
    try {
      process.exit(await sub(rest, process.stdout, process.stderr));
    } catch (err) {
      process.stderr.write(`spanledger ${command}: ${(err as Error).message}\n`);
      process.exit(2);
    }
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
      redact: ['adminToken', 'ledger.clickhousePassword', 'req.headers.authorization'],
    },
    maskingDestination(),
  );
  log.info({ config: redactConfig(cfg) }, 'starting');
  let service;
  try {
    service = await startService(cfg, log);
  } catch (err) {
    log.fatal({ err }, 'failed to start');
    process.exit(1);
  }
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
