/** One setting reachable from the command line and the environment. */
export interface SettingSource {
  /** Path in the config object, e.g. `receiver.otlpHttpPort`. */
  path: string;
  flag: string;
  env: string;
  /** A flag that takes no value (`--allow-unauthenticated`); its variable takes 1/0, true/false. */
  boolean?: boolean;
}

/** Every flag/environment pair `spanledger serve` understands (besides --config). */
export const SETTING_SOURCES: readonly SettingSource[] = [
  { path: 'host', flag: 'host', env: 'SPANLEDGER_HOST' },
  { path: 'apiPort', flag: 'api-port', env: 'SPANLEDGER_API_PORT' },
  { path: 'adminToken', flag: 'admin-token', env: 'SPANLEDGER_ADMIN_TOKEN' },
  { path: 'console.viewerToken', flag: 'viewer-token', env: 'SPANLEDGER_VIEWER_TOKEN' },
  { path: 'logLevel', flag: 'log-level', env: 'SPANLEDGER_LOG_LEVEL' },
  { path: 'logFormat', flag: 'log-format', env: 'SPANLEDGER_LOG_FORMAT' },
  { path: 'tls.certFile', flag: 'tls-cert', env: 'SPANLEDGER_TLS_CERT' },
  { path: 'tls.keyFile', flag: 'tls-key', env: 'SPANLEDGER_TLS_KEY' },
  { path: 'receiver.otlpGrpcPort', flag: 'otlp-grpc-port', env: 'SPANLEDGER_OTLP_GRPC_PORT' },
  { path: 'receiver.otlpHttpPort', flag: 'otlp-http-port', env: 'SPANLEDGER_OTLP_HTTP_PORT' },
  { path: 'policy.extAuthz.grpcPort', flag: 'ext-authz-grpc-port', env: 'SPANLEDGER_EXT_AUTHZ_GRPC_PORT' },
  { path: 'receiver.maxBodyBytes', flag: 'max-body-bytes', env: 'SPANLEDGER_MAX_BODY_BYTES' },
  { path: 'ledger.dataDir', flag: 'data-dir', env: 'SPANLEDGER_DATA_DIR' },
  { path: 'ledger.clickhouseUrl', flag: 'clickhouse-url', env: 'SPANLEDGER_CLICKHOUSE_URL' },
  { path: 'ledger.clickhouseUser', flag: 'clickhouse-user', env: 'SPANLEDGER_CLICKHOUSE_USER' },
  { path: 'ledger.clickhousePassword', flag: 'clickhouse-password', env: 'SPANLEDGER_CLICKHOUSE_PASSWORD' },
  { path: 'ledger.database', flag: 'database', env: 'SPANLEDGER_DATABASE' },
  { path: 'ledger.spansTtlDays', flag: 'spans-ttl-days', env: 'SPANLEDGER_SPANS_TTL_DAYS' },
  { path: 'ledger.spoolDir', flag: 'spool-dir', env: 'SPANLEDGER_SPOOL_DIR' },
  { path: 'ledger.spoolMaxBytes', flag: 'spool-max-bytes', env: 'SPANLEDGER_SPOOL_MAX_BYTES' },
  { path: 'ledger.diskReserveMb', flag: 'disk-reserve-mb', env: 'SPANLEDGER_DISK_RESERVE_MB' },
  { path: 'receiver.memorySoftLimitMb', flag: 'memory-soft-limit-mb', env: 'SPANLEDGER_MEMORY_SOFT_LIMIT_MB' },
  { path: 'receiver.memoryHardLimitMb', flag: 'memory-hard-limit-mb', env: 'SPANLEDGER_MEMORY_HARD_LIMIT_MB' },
  { path: 'ownership.registry', flag: 'registry', env: 'SPANLEDGER_REGISTRY' },
  { path: 'pricing.prices', flag: 'prices', env: 'SPANLEDGER_PRICES' },
  { path: 'pricing.billing', flag: 'billing', env: 'SPANLEDGER_BILLING' },
  { path: 'ownership.allowUnauthenticated', flag: 'allow-unauthenticated', env: 'SPANLEDGER_ALLOW_UNAUTHENTICATED', boolean: true },
];

/** Settings that must never be echoed back in messages or logs. */
export const SECRET_PATHS = new Set(['adminToken', 'ledger.clickhousePassword', 'console.viewerToken']);
