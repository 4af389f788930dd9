// Which statements the SQL endpoint lets through before the engine sees them. This is a
// courtesy check for a clear message; the guarantee is `readonly=1` in the engine.

const READ_STATEMENTS = new Set(['SELECT', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'WITH', 'EXISTS']);

/** The first keyword of `sql`, skipping whitespace, comments and opening parentheses. */
export function firstKeyword(sql: string): string {
  let i = 0;
  for (;;) {
    while (i < sql.length && /[\s(]/.test(sql[i]!)) i++;
    if (sql.startsWith('--', i) || sql.startsWith('#', i)) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (sql.startsWith('/*', i)) {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 2;
    } else break;
  }
  const m = /^[A-Za-z]+/.exec(sql.slice(i, i + 32));
  return m ? m[0].toUpperCase() : '';
}

/** True when `sql` starts as a read statement (SELECT, SHOW, DESCRIBE, EXPLAIN, WITH, EXISTS). */
export function isReadStatement(sql: string): boolean {
  return READ_STATEMENTS.has(firstKeyword(sql));
}
