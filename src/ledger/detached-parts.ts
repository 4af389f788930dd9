import type { ClickHouseClient } from '@clickhouse/client';

/** Parts of one table the engine set aside, by reason (`broken`, `unexpected`, `ignored`, ... or '' when detached by hand). */
export interface DetachedParts {
  table: string;
  reason: string;
  parts: number;
}

/**
 * Reads `system.detached_parts` for the ledger database: parts the engine found broken or
 * unexpected at start (for example written half on a full disk), or detached by an operator.
 * Their rows are no longer read; an operator inspects them and re-attaches what is sound.
 */
export async function readDetachedParts(client: ClickHouseClient, database: string): Promise<DetachedParts[]> {
  const rs = await client.query({
    query: `SELECT table, ifNull(reason, '') AS reason, toUInt32(count()) AS parts
            FROM system.detached_parts WHERE database = {db:String} GROUP BY table, reason ORDER BY table, reason`,
    query_params: { db: database },
    format: 'JSONEachRow',
  });
  return rs.json<DetachedParts>();
}
