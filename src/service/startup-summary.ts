import type { SpanledgerConfig } from '../config';
import type { BoundPorts } from './service';

/** Where a started service can be reached, and the lines a newcomer copies. */
export interface StartupSummary {
  urls: { console: string; metrics: string; sql: string; otlpHttp: string; otlpGrpc: string };
  /** The start-up message: one line per thing, ready to copy on a terminal. */
  text: string;
}

/**
 * The start-up summary: the console URL (and how to sign in, or why it is off), /metrics,
 * /clickhouse, the OTLP endpoints as `OTEL_EXPORTER_OTLP_*` lines to paste into an SDK's
 * environment, and what `--allow-unauthenticated` means when it is on. A wildcard bind
 * address is shown as 127.0.0.1 (reachable from this machine), with a note.
 */
export function startupSummary(cfg: SpanledgerConfig, ports: BoundPorts): StartupSummary {
  const wildcard = cfg.host === '0.0.0.0' || cfg.host === '::';
  const host = wildcard ? '127.0.0.1' : cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  const scheme = cfg.tls.certFile ? 'https' : 'http';
  const api = `${scheme}://${host}:${ports.api}`;
  const urls = {
    console: `${api}/`,
    metrics: `${api}/metrics`,
    sql: `${api}/clickhouse`,
    otlpHttp: `${scheme}://${host}:${ports.otlpHttp}`,
    otlpGrpc: `${scheme}://${host}:${ports.otlpGrpc}`,
  };
  const signIn =
    cfg.console.viewerToken !== undefined
      ? 'sign in with the viewer credential (--viewer-token) or the admin token'
      : cfg.adminToken !== undefined
        ? 'sign in with the admin token (set --viewer-token for a read-only credential)'
        : 'off until --viewer-token or --admin-token is set';
  const lines = [
    'spanledger is ready',
    `  console   ${urls.console}   ${signIn}`,
    `  metrics   ${urls.metrics}`,
    `  SQL       ${urls.sql}   ${cfg.adminToken !== undefined || cfg.console.viewerToken !== undefined ? 'ClickHouse HTTP protocol, read-only' : 'off until --admin-token is set'}`,
    '  send spans from an OpenTelemetry SDK with:',
    `    export OTEL_EXPORTER_OTLP_ENDPOINT=${urls.otlpHttp}`,
    '    export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
    `    export OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <the sender's token from your registry>"${cfg.ownership.allowUnauthenticated ? '   (may be left out in this mode: its calls are then stored unallocated)' : ''}`,
    `  or over gRPC: OTEL_EXPORTER_OTLP_ENDPOINT=${urls.otlpGrpc} OTEL_EXPORTER_OTLP_PROTOCOL=grpc`,
    '  a demo month for the console: spanledger demo --help',
  ];
  if (wildcard) lines.push(`  listening on every interface (${cfg.host}); other machines use this machine's address`);
  if (cfg.ownership.allowUnauthenticated) {
    lines.push('  --allow-unauthenticated: spans from anyone are accepted; calls without a known sender token are stored unallocated (reason "unauthenticated") and no budget counts them. For a first try only: give a registry (--registry) and drop the flag in production.');
  }
  return { urls, text: lines.join('\n') };
}
