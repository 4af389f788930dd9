/**
 * A request the SQL endpoint refuses before or instead of running it, in the shape the
 * ClickHouse HTTP interface answers errors with (`Code: N. DB::Exception: ... (TYPE)`),
 * which clickhouse-js and clickhouse-go parse into their own error types.
 */
export class SqlRefusal extends Error {
  /** True when the engine raised it (while analysing the statement), not the endpoint's own check. */
  fromEngine = false;
  constructor(
    /** HTTP status of the answer. */
    readonly httpStatus: number,
    /** ClickHouse error code (`x-clickhouse-exception-code`). */
    readonly code: number,
    /** ClickHouse error name, e.g. `READONLY`, `ACCESS_DENIED`. */
    readonly type: string,
    message: string,
    /** Seconds a client should wait before trying again (503 only). */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/** A statement kind or clause the endpoint does not run (403 READONLY, as ClickHouse answers writes in readonly mode). */
export const notReadOnly = (what: string): SqlRefusal =>
  new SqlRefusal(403, 164, 'READONLY', `${what} is not allowed here: /clickhouse runs one SELECT, WITH, SHOW, DESCRIBE TABLE, EXISTS or EXPLAIN of the ledger's tables`);

/** A table, database or function outside what the endpoint may read (403 ACCESS_DENIED). */
export const accessDenied = (what: string): SqlRefusal => new SqlRefusal(403, 497, 'ACCESS_DENIED', what);
