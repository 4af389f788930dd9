import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { parseAstDump } from './sql-ast';
import { checkStatement, type SqlScope } from './sql-check';
import type { SqlConfig } from './sql-config';
import { createQueryLane } from './sql-lane';
import { sqlString, substituteParams } from './sql-params';
import { SqlRefusal } from './sql-refusal';
import { requestSettings } from './sql-settings';
import type { StorageClients } from './storage-client';

/** One caller's query on the SQL endpoint. */
export interface SqlRequest {
  /** The statement as sent (body and `query` parameter joined). */
  sql: string;
  /** The URL parameters: `param_*` values, settings, `default_format`. */
  params: URLSearchParams;
}

/** A query's answer: the bytes in `format`. */
export interface SqlAnswer {
  body: Buffer;
  format: string;
}

/** Runs callers' SQL under the endpoint's rules; see `openSqlSandbox`. */
export interface SqlSandbox {
  /** Checks and runs one statement; rejects with `SqlRefusal` or the engine's error. Aborting `signal` cancels it in the engine. */
  run(req: SqlRequest, signal: AbortSignal): Promise<SqlAnswer>;
  /** Cancels every running query in the engine and waits until they have ended. */
  cancelAll(): Promise<void>;
  /** Queries running and queued. */
  stats(): { running: number; queued: number };
  close(): Promise<void>;
}

const TAG = 'spanledger-sql:';

/**
 * Opens the sandbox the read-only SQL endpoint runs callers' queries in:
 * - each statement is parsed by the engine (`formatQuery`, then `EXPLAIN AST`, neither
 *   of which runs anything) and allowed only when `checkStatement` accepts its tree;
 *   parameters are substituted first, so what is checked is what runs;
 * - it runs on one of `maxConcurrentQueries` engine sessions of its own (never the
 *   sessions the pipeline, the policy or the service's own reads use), read-only,
 *   with its database and every capped setting set again for each request, and the
 *   previous request's output settings reset, so nothing carries over between callers;
 * - a query whose caller goes away, or that is running at shutdown, is killed in the
 *   engine (chDB cannot interrupt a call from JavaScript; `KILL QUERY` from another
 *   session can), and its slot is free only when the engine has really stopped.
 */
export async function openSqlSandbox(storage: StorageClients, database: string, cfg: SqlConfig): Promise<SqlSandbox> {
  const names = await textOf(storage.client, 'SELECT lower(name) FROM system.table_functions');
  const scope: SqlScope = { database, tableFunctions: new Set(names.split('\n').filter((n) => n !== '')) };
  const sessions: ClickHouseClient[] = [];
  try {
    for (let i = 0; i < cfg.maxConcurrentQueries; i++) sessions.push(await openSession(storage));
  } catch (err) {
    await Promise.all(sessions.map((s) => s.close()));
    throw err;
  }
  const dirty: string[][] = sessions.map(() => []);
  const lane = createQueryLane({ slots: cfg.maxConcurrentQueries, maxQueued: cfg.maxQueuedQueries, queueTimeoutMs: cfg.queueTimeoutMs });
  const running = new Map<string, Promise<unknown>>();
  const kill = (tag: string) =>
    storage.client
      .command({ query: storage.mode === 'embedded' ? `KILL QUERY WHERE position(query, ${sqlString(`/* ${TAG}${tag} */`)}) = 1 ASYNC` : `KILL QUERY WHERE query_id = ${sqlString(tag)} ASYNC` })
      .then(
        () => undefined,
        () => undefined,
      );

  const runOn = async (slot: number, req: SqlRequest, signal: AbortSignal): Promise<SqlAnswer> => {
    const session = sessions[slot]!;
    const settings = requestSettings(req.params, cfg);
    const canonical = (await textOf(session, `SELECT formatQuery(${sqlString(req.sql)})`).catch(engineWords)).replace(/\n$/, '');
    const params: Record<string, string> = {};
    for (const [k, v] of req.params) if (k.startsWith('param_')) params[k.slice(6)] = v;
    const statement = substituteParams(canonical, params);
    const dump = await textOf(session, `EXPLAIN AST ${statement}`).catch(engineWords);
    // The FORMAT clause is read from formatQuery's text before substitution: there every
    // newline inside a literal or a quoted name is escaped, as a substituted value's may not be.
    const checked = checkStatement(parseAstDump(dump), scope, canonical);
    const format = checked.format ?? (req.params.get('default_format') || 'TabSeparated');
    if (signal.aborted) throw signal.reason;
    const tag = randomUUID();
    const text = `/* ${TAG}${tag} */ ${statement}`;
    let exec: Promise<Buffer>;
    if (storage.mode === 'embedded') {
      const reset = dirty[slot]!.filter((k) => !(k in settings.passed)).map((k) => `SET ${k} = DEFAULT`);
      const sets = Object.entries({ ...settings.capped, ...settings.passed }).map(([k, v]) => `SET ${k} = ${/^\d+$/.test(v) ? v : sqlString(v)}`);
      dirty[slot] = Object.keys(settings.passed);
      exec = bytesOf(session, [`USE \`${database}\``, ...reset, ...sets, text].join(';\n'), { default_format: format });
    } else {
      exec = bytesOf(session, text, { ...settings.capped, ...settings.passed, default_format: format, cancel_http_readonly_queries_on_client_close: '1' }, tag);
    }
    const settled = exec.then(
      () => undefined,
      () => undefined,
    );
    running.set(tag, settled);
    const onAbort = () => void kill(tag);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return { body: await exec, format };
    } finally {
      signal.removeEventListener('abort', onAbort);
      running.delete(tag);
    }
  };

  // chDB can hand the rows a failed query had produced (a result cap hit mid-stream) to
  // the next query on the same session: after any engine error the slot gets a fresh
  // session, so one caller's rows never reach another.
  const runFresh = async (slot: number, req: SqlRequest, signal: AbortSignal): Promise<SqlAnswer> => {
    try {
      return await runOn(slot, req, signal);
    } catch (err) {
      if (!(err instanceof SqlRefusal) || err.fromEngine) {
        const old = sessions[slot]!;
        sessions[slot] = await openSession(storage);
        dirty[slot] = [];
        await old.close().catch(() => undefined);
      }
      throw err;
    }
  };

  return {
    run: (req, signal) => lane.run((slot) => runFresh(slot, req, signal), signal),
    async cancelAll() {
      const tags = [...running.keys()];
      await Promise.all(tags.map(kill));
      await Promise.all(tags.map((t) => running.get(t) ?? Promise.resolve()));
    },
    stats: () => lane.stats(),
    async close() {
      await Promise.all(sessions.map((s) => s.close()));
    },
  };
}

async function openSession(storage: StorageClients): Promise<ClickHouseClient> {
  const session = storage.openReader();
  // The engine's own wall behind the statement check: readonly=2 refuses every write and
  // any change of readonly itself, and still lets the sandbox set the caps per request.
  if (storage.mode === 'embedded') await session.command({ query: 'SET readonly = 2' });
  return session;
}

async function bytesOf(client: ClickHouseClient, query: string, settings: Record<string, string>, queryId?: string): Promise<Buffer> {
  const rs = await client.exec({ query, clickhouse_settings: settings as never, ...(queryId ? { query_id: queryId } : {}) });
  const chunks: Buffer[] = [];
  for await (const c of rs.stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

async function textOf(client: ClickHouseClient, query: string): Promise<string> {
  return (await bytesOf(client, query, { default_format: 'TSVRaw' })).toString('utf8');
}

/** An engine error from analysing the caller's statement, without the wrapper we put around it. */
function engineWords(err: unknown): never {
  const e = err as Error & { code?: string; type?: string };
  if (e.type === undefined) throw err;
  const message = e.message.replace(/\.?\s*:?\s*In scope SELECT formatQuery\([\s\S]*$/, '').replace(/^EXPLAIN AST /, '');
  const refusal = new SqlRefusal(400, Number(e.code) || 62, e.type, message);
  refusal.fromEngine = true;
  throw refusal;
}
