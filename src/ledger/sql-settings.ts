import type { SqlConfig } from './sql-config';
import { SqlRefusal, notReadOnly } from './sql-refusal';

// URL parameters of the ClickHouse HTTP interface that are protocol, not engine settings.
// Sessions are not served (every request runs on its own), so session_* are ignored.
const PROTOCOL_PARAMS = new Set([
  'query', 'query_id', 'database', 'default_format', 'session_id', 'session_timeout', 'session_check', 'role', 'user', 'password',
  'compress', 'decompress', 'enable_http_compression', 'http_zlib_compression_level', 'wait_end_of_query', 'send_progress_in_http_headers',
  'http_headers_progress_interval_ms', 'add_http_cors_header', 'http_response_buffer_size', 'buffer_size', 'quota_key',
  'cancel_http_readonly_queries_on_client_close', 'client_protocol_version',
]);

type Capped = (cfg: SqlConfig) => number;
// Settings clamped to a cap; 0 ("unlimited" on ClickHouse) means the cap.
const CAPPED: Record<string, Capped> = {
  max_execution_time: (c) => c.maxExecutionTimeS,
  max_memory_usage: (c) => c.maxMemoryUsageBytes,
  max_rows_to_read: (c) => c.maxRowsToRead,
  max_bytes_to_read: (c) => c.maxBytesToRead,
  max_result_rows: (c) => c.maxResultRows,
  max_result_bytes: (c) => c.maxResultBytes,
  max_threads: (c) => c.maxThreads,
};
// Row-count settings with no cap of their own (0 means none); max_result_rows still applies.
const COUNTS = new Set(['limit', 'offset', 'max_block_size']);
const OVERFLOW_MODES = new Set(['result_overflow_mode', 'timeout_overflow_mode', 'read_overflow_mode']);
// Output-shaping settings clients send (clickhouse-js, clickhouse-go and so Grafana's
// plugin, the ClickHouse CLI): they change how rows are printed, never what is read.
// output_format_schema is excluded: it writes a schema file.
const PASSED = /^(output_format_(?!schema$)[a-z0-9_]+|date_time_output_format|date_time_input_format|session_timezone|join_use_nulls|extremes|log_comment|joined_subquery_requires_alias|prefer_column_name_to_alias|http_write_exception_in_output_format|enable_analyzer|allow_experimental_analyzer|use_client_time_zone)$/;

/** Settings of one request: those always set (caps) and the client's output settings. */
export interface RequestSettings {
  /** Every capped setting, at the client's value clamped to the cap, or at the cap. */
  capped: Record<string, string>;
  /** Output settings the client sent; reset to their defaults before the next request on the same session. */
  passed: Record<string, string>;
}

/**
 * Reads the settings a request carries as URL parameters (`param_*` excluded) and decides
 * each: clamped to the server's cap, passed through, or refused with its name. `readonly`
 * may be sent at its current value (1 or 2); lifting it is refused.
 */
export function requestSettings(params: URLSearchParams, cfg: SqlConfig): RequestSettings {
  const capped: Record<string, string> = {
    max_execution_time: String(cfg.maxExecutionTimeS),
    timeout_overflow_mode: 'throw',
    max_memory_usage: String(cfg.maxMemoryUsageBytes),
    max_rows_to_read: String(cfg.maxRowsToRead),
    max_bytes_to_read: String(cfg.maxBytesToRead),
    read_overflow_mode: 'throw',
    max_result_rows: String(cfg.maxResultRows),
    max_result_bytes: String(cfg.maxResultBytes),
    result_overflow_mode: 'throw',
    max_threads: String(cfg.maxThreads),
  };
  const passed: Record<string, string> = {};
  for (const [name, value] of params) {
    if (name.startsWith('param_') || PROTOCOL_PARAMS.has(name)) continue;
    const cap = CAPPED[name];
    if (cap !== undefined) {
      const n = number(name, value);
      capped[name] = String(n === 0 ? cap(cfg) : Math.min(n, cap(cfg)));
    } else if (COUNTS.has(name)) {
      passed[name] = String(number(name, value));
    } else if (OVERFLOW_MODES.has(name)) {
      if (value !== 'throw' && value !== 'break') throw invalid(name, `must be throw or break, not ${JSON.stringify(value)}`);
      capped[name] = value;
    } else if (name === 'readonly') {
      if (value !== '1' && value !== '2') throw notReadOnly(`readonly=${value}`);
    } else if (PASSED.test(name)) {
      if (value.length > 256) throw invalid(name, 'value is longer than 256 characters');
      passed[name] = value;
    } else {
      throw new SqlRefusal(400, 452, 'SETTING_CONSTRAINT_VIOLATION', `setting ${name} is not allowed on /clickhouse: the caps (max_execution_time, max_memory_usage, max_rows_to_read, max_bytes_to_read, max_result_rows, max_result_bytes, max_threads), limit, offset, *_overflow_mode, readonly at its current value and output settings (output_format_*, date_time_output_format, session_timezone, ...) are`);
    }
  }
  return { capped, passed };
}

function number(name: string, value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value)) throw invalid(name, `must be a non-negative number, not ${JSON.stringify(value)}`);
  return Math.ceil(Number(value));
}

function invalid(name: string, why: string): SqlRefusal {
  return new SqlRefusal(400, 452, 'SETTING_CONSTRAINT_VIOLATION', `setting ${name}: ${why}`);
}
