/**
 * What the Grafana ClickHouse datasource plugin (grafana-clickhouse-datasource, protocol
 * `http`) sends through its driver clickhouse-go v2, reproduced from their sources because
 * Grafana cannot be installed where the tests run:
 *
 * - every request is a POST to `http[s]://host:port` + the datasource's `path`, with the
 *   query text as the body (uncompressed; the driver asks for a gzip'd answer with
 *   `Accept-Encoding: gzip` and never sets `enable_http_compression` itself);
 * - the URL carries `database` (the default database), every datasource setting (the row
 *   limit as `limit` when the limit is on, custom settings), `default_format=Native`, and per
 *   query `max_execution_time` = the seconds left before the query timeout + 5 (60 s: 64);
 * - credentials: over HTTP the user and password as HTTP Basic; over HTTPS the headers
 *   `X-ClickHouse-User`, `X-ClickHouse-Key` and `X-ClickHouse-SSL-Certificate-Auth: off`;
 * - `User-Agent` names clickhouse-go and the client products (grafana, clickhouse-datasource);
 * - opening a connection asks `SELECT timezone()` and, on the first, `SELECT version()`;
 *   the health check pings with `SELECT 1`.
 */
export interface DatasourceSettings {
  /** `http://127.0.0.1:8080` */
  origin: string;
  /** The datasource's HTTP path, `/clickhouse` for spanledger. */
  path: string;
  database: string;
  username: string;
  password: string;
  /** The datasource's row limit (sent as `limit`), 0 when off. */
  rowLimit: number;
  /** The datasource's query timeout in seconds (default 60). */
  queryTimeoutS: number;
  /** Send the credential the way the driver does over TLS (`X-ClickHouse-*` headers). */
  tlsHeaders?: boolean;
}

/** One answer: status, format header and the decoded Native block's column and row counts. */
export interface PluginAnswer {
  status: number;
  format: string | null;
  columns: number;
  rows: number;
  text: string;
}

/** Sends one statement as the plugin's driver would and reads the first Native block's header. */
export async function sendAsGrafana(ds: DatasourceSettings, sql: string): Promise<PluginAnswer> {
  const params = new URLSearchParams({ database: ds.database });
  if (ds.rowLimit > 0) params.set('limit', String(ds.rowLimit));
  params.set('default_format', 'Native');
  params.set('max_execution_time', String(Math.trunc(ds.queryTimeoutS - 0.01 + 5)));
  const headers: Record<string, string> = {
    'accept-encoding': 'gzip',
    'user-agent': 'clickhouse-go/2.40.1 (database/sql; lv:go/1.24.4; os:linux) grafana/12.2.0 clickhouse-datasource/4.11.0',
  };
  if (ds.tlsHeaders) {
    headers['x-clickhouse-user'] = ds.username;
    headers['x-clickhouse-key'] = ds.password;
    headers['x-clickhouse-ssl-certificate-auth'] = 'off';
  } else {
    headers.authorization = `Basic ${Buffer.from(`${ds.username}:${ds.password}`).toString('base64')}`;
  }
  const res = await fetch(`${ds.origin}${ds.path}?${params}`, { method: 'POST', body: sql, headers });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) return { status: res.status, format: res.headers.get('x-clickhouse-format'), columns: 0, rows: 0, text: body.toString() };
  let at = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = body[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
      shift += 7;
    }
  };
  const columns = body.length === 0 ? 0 : varint();
  const rows = body.length === 0 ? 0 : varint();
  return { status: res.status, format: res.headers.get('x-clickhouse-format'), columns, rows, text: '' };
}

/** The statements the driver sends when it opens a connection and when Grafana checks the datasource's health. */
export const CONNECTION_STATEMENTS = ['SELECT timezone()', 'SELECT version()', 'SELECT 1'];
