import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import type { LedgerConfig } from './config';

/** The ClickHouse clients the service uses: one for the pipeline, one engine-enforced read-only. */
export interface StorageClients {
  /** Writes and migrations. */
  client: ClickHouseClient;
  /** Reads for reports and drill-down, read-only by construction (embedded: its session is `readonly=1`; server: `readonly=2` on every query), in the ledger database. */
  readonly: ClickHouseClient;
  /**
   * Opens another client for callers' SQL: in embedded mode a chDB session of its own on
   * the same data (its settings and current database are its own); on a server a client
   * of the ledger database that sends `readonly=2` with every query. The caller closes it.
   */
  openReader(): ClickHouseClient;
  /** 'embedded' (chDB in-process) or 'server'. */
  mode: 'embedded' | 'server';
  close(): Promise<void>;
}

/**
 * Opens storage. Embedded mode binds chDB to `dataDir` (one directory per process) and
 * opens a second session on it that is switched to read-only once; server mode talks
 * HTTP to `clickhouseUrl`, its read-only client sending `readonly=2` with every query. The ledger database is
 * created here so the read-only session can be pinned to it.
 */
export async function openStorage(cfg: LedgerConfig): Promise<StorageClients> {
  if (cfg.clickhouseUrl !== undefined) {
    // On a cluster the ledger's tables are Distributed, and its reads join and filter them by
    // subqueries over other Distributed tables, which ClickHouse refuses by default
    // (distributed_product_mode = deny); GLOBAL is right for every such read.
    const cluster: { distributed_product_mode?: 'global' } = cfg.cluster === undefined ? {} : { distributed_product_mode: 'global' };
    const client = createClient({
      url: cfg.clickhouseUrl,
      username: cfg.clickhouseUser,
      password: cfg.clickhousePassword,
      // An insert into a Distributed table is answered only once every shard stored its
      // rows (not queued on the node that took it): acknowledged still means stored.
      clickhouse_settings: cfg.cluster === undefined ? {} : { ...cluster, insert_distributed_sync: 1 },
    });
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${cfg.database}` });
    const ro = createClient({
      url: cfg.clickhouseUrl,
      username: cfg.clickhouseUser,
      password: cfg.clickhousePassword,
      database: cfg.database,
      // Read-only by construction: the server refuses writes on every query of this client.
      clickhouse_settings: { readonly: '2', ...cluster },
    });
    return {
      client,
      readonly: ro,
      openReader: () =>
        createClient({
          url: cfg.clickhouseUrl,
          username: cfg.clickhouseUser,
          password: cfg.clickhousePassword,
          database: cfg.database,
          // Read-only by construction: the server refuses writes on every query of this client.
          clickhouse_settings: { readonly: '2', ...cluster },
        }),
      mode: 'server',
      close: async () => {
        await Promise.all([client.close(), ro.close()]);
      },
    };
  }
  const dir = path.resolve(cfg.dataDir);
  mkdirSync(dir, { recursive: true });
  const client = createClient({ connection: chdbConnection(dir) });
  try {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${cfg.database}` });
    const ro = createClient({ connection: chdbConnection(dir) });
    // Session state: every later statement on this session runs in the ledger database
    // and cannot write, change settings, or lift readonly again.
    await ro.command({ query: `USE ${cfg.database}` });
    await ro.command({ query: 'SET readonly = 1' });
    return {
      client,
      readonly: ro,
      openReader: () => createClient({ connection: chdbConnection(dir) }),
      mode: 'embedded',
      close: async () => {
        await ro.close();
        await client.close();
      },
    };
  } catch (err) {
    await client.close();
    throw err;
  }
}

/**
 * A chDB connection typed for `@clickhouse/client`: chdb is built against
 * `@clickhouse/client-common`, which the client bundles a copy of, so the two
 * declarations of the same interface do not unify in TypeScript.
 */
function chdbConnection(dir: string): ClickHouseClientConfigOptions['connection'] {
  return createChdbConnection({ path: dir }) as unknown as ClickHouseClientConfigOptions['connection'];
}
