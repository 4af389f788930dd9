/**
 * Most partitions one insert may touch. ClickHouse refuses an insert block spanning more than
 * `max_partitions_per_insert_block` (100 by default) partitions; `spans` is partitioned by UTC
 * day and `llm_calls` by UTC month, so at most this many UTC days per insert keeps every insert
 * well inside the engine's default, without raising a limit that guards its own health.
 */
export const MAX_DAYS_PER_INSERT = 64;

const SECONDS_PER_DAY = 86_400;

/**
 * Splits encoded rows (column 0 is the row's `timestamp` as `nanosToDateTime64` writes it)
 * into groups that each hold rows of at most `maxDays` UTC days, so no valid export is
 * refused for its shape. The common case, a few days at most, returns the rows as they are.
 */
export function splitByDay(rows: unknown[][], maxDays = MAX_DAYS_PER_INSERT): unknown[][][] {
  const byDay = new Map<number, unknown[][]>();
  for (const row of rows) {
    const day = utcDay(row[0]);
    let group = byDay.get(day);
    if (group === undefined) byDay.set(day, (group = []));
    group.push(row);
  }
  if (byDay.size <= maxDays) return [rows];
  const parts: unknown[][][] = [];
  let part: unknown[][] = [];
  let days = 0;
  for (const group of byDay.values()) {
    if (days === maxDays) {
      parts.push(part);
      part = [];
      days = 0;
    }
    for (const row of group) part.push(row);
    days++;
  }
  parts.push(part);
  return parts;
}

/** UTC day number of `seconds.nanos` or `YYYY-MM-DD hh:mm:ss.nanos`; anything else is one group of its own (-1). */
function utcDay(ts: unknown): number {
  if (typeof ts !== 'string') return -1;
  const dot = ts.indexOf('.');
  const head = dot < 0 ? ts : ts.slice(0, dot);
  if (/^\d+$/.test(head)) return Math.floor(Number(head) / SECONDS_PER_DAY);
  const ms = Date.parse(`${head.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? -1 : Math.floor(ms / 1000 / SECONDS_PER_DAY);
}
