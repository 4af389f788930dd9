/**
 * The FROM and WHERE of a read of one daily rollup table over the period bound as
 * `{from:String}`/`{to:String}` (whole UTC days). The rows are aliased `r`, so a select may
 * reuse a column name (`toString(day) AS day`) without changing the filter.
 */
export function rollupRange(db: string, table: 'rollup_daily_costs' | 'rollup_daily_users' | 'rollup_daily_routes'): string {
  return `${db}.${table} AS r FINAL WHERE r.day >= toDate({from:String}) AND r.day < toDate({to:String})`;
}
