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

/**
 * True when `sql` holds more than one statement (a `;` outside quotes and comments that
 * is followed by more SQL). The ClickHouse HTTP interface runs one statement per request,
 * and so does this endpoint.
 */
export function hasMultipleStatements(sql: string): boolean {
  let i = 0;
  let sawEnd = false;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      if (sawEnd) return true;
      i = skipQuoted(sql, i, c);
    } else if (sql.startsWith('--', i) || c === '#') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (sql.startsWith('/*', i)) {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 2;
    } else if (c === ';') {
      sawEnd = true;
      i++;
    } else {
      if (sawEnd && !/\s/.test(c)) return true;
      i++;
    }
  }
  return false;
}

function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === '\\') i += 2;
    else if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return i;
}
