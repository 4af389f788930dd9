/** Values a dashboard is rendered with: time range and template variables. */
export interface DashboardContext {
  fromMs: number;
  toMs: number;
  intervalS: number;
  /** Variable values; an array is a multi-value selection, '$__all' means All. */
  vars: Record<string, string | string[]>;
}

/**
 * Expands what the Grafana ClickHouse datasource expands before it sends a query: the
 * time macros, `$__conditionalAll`, and template variables (`$v`, `${v}`, `${v:singlequote}`).
 * Written for the test because the expansion lives in Grafana's plugin, not in a library.
 */
export function expandGrafanaSql(sql: string, ctx: DashboardContext): string {
  const from = Math.floor(ctx.fromMs / 1000);
  const to = Math.floor(ctx.toMs / 1000);
  let out = sql
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_m, col: string) => `${col.trim()} >= toDateTime(${from}) AND ${col.trim()} <= toDateTime(${to})`)
    .replace(/\$__timeInterval\(([^)]+)\)/g, (_m, col: string) => `toStartOfInterval(toDateTime(${col.trim()}), INTERVAL ${ctx.intervalS} second)`)
    .replace(/\$__fromTime_ms/g, `fromUnixTimestamp64Milli(${ctx.fromMs})`)
    .replace(/\$__toTime_ms/g, `fromUnixTimestamp64Milli(${ctx.toMs})`)
    .replace(/\$__fromTime/g, `toDateTime(${from})`)
    .replace(/\$__toTime/g, `toDateTime(${to})`)
    .replace(/\$__interval_s/g, String(ctx.intervalS));
  out = out.replace(/\$__conditionalAll\(((?:[^()]|\([^()]*\))*),\s*\$\{?(\w+)\}?\s*\)/g, (_m, cond: string, name: string) => {
    const v = ctx.vars[name];
    return v === undefined || v === '$__all' || (Array.isArray(v) && v.includes('$__all')) ? '1=1' : cond;
  });
  out = out.replace(/\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g, (m, braced: string | undefined, format: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!;
    const v = ctx.vars[name];
    if (v === undefined) return m;
    const values = Array.isArray(v) ? v : [v];
    if (format === 'singlequote') return values.map((x) => `'${x.replace(/'/g, "\\'")}'`).join(',');
    return values.join(',');
  });
  return out;
}
