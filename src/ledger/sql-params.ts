import { SqlRefusal } from './sql-refusal';

/**
 * Replaces each `{name:Type}` placeholder of a statement in the engine's canonical form
 * (the output of `formatQuery`, where string literals and quoted identifiers are escaped
 * with backslashes) by a typed literal of the bound value: `_CAST('value', 'Type')`, or a
 * quoted identifier for `Identifier`. The endpoint checks and runs the substituted text,
 * so what is checked is exactly what runs; and no caller's query goes through chDB's
 * parameter binding, which is one process-wide lane shared with the service's own queries.
 * Values arrive as the ClickHouse HTTP interface takes them (`param_name`, in the escaped
 * text format); a missing one is refused as the server refuses it.
 */
export function substituteParams(sql: string, params: Readonly<Record<string, string>>): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '`' || c === '"') {
      const end = quotedEnd(sql, i);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '{') {
      const m = /^\{([A-Za-z_][A-Za-z0-9_]*):/.exec(sql.slice(i, i + 200));
      const close = m === null ? -1 : braceEnd(sql, i + m[0].length);
      if (m === null || close < 0) {
        out += c;
        i++;
        continue;
      }
      const name = m[1]!;
      const type = sql.slice(i + m[0].length, close).trim();
      const value = params[name];
      if (value === undefined) throw new SqlRefusal(400, 456, 'UNKNOWN_QUERY_PARAMETER', `substitution ${name} is not set: send it as the URL parameter param_${name}`);
      out += literal(value, type);
      i = close + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function literal(value: string, type: string): string {
  if (type === 'Identifier') return `\`${value.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
  const nullable = /^Nullable\(/.test(type);
  if (nullable && value === '\\N') return `_CAST(NULL, ${sqlString(type)})`;
  // Scalar text types arrive escaped (\t, \n, \\, \'); composite values (arrays, maps,
  // tuples) arrive as their literal text, which the cast parses.
  const scalar = !/^(Nullable\()?(Array|Map|Tuple|Nested)\(/.test(type);
  return `_CAST(${sqlString(scalar ? unescapeText(value) : value)}, ${sqlString(type)})`;
}

/** A ClickHouse single-quoted string literal of `s`. */
export function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', '0': '\0', '\\': '\\', "'": "'" };

function unescapeText(s: string): string {
  return s.includes('\\') ? s.replace(/\\(.)/gs, (_m, ch: string) => ESCAPES[ch] ?? ch) : s;
}

/** The index just past the quoted token that starts at `start` (backslash escapes, doubled quotes). */
function quotedEnd(sql: string, start: number): number {
  const q = sql[start]!;
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === '\\') i += 2;
    else if (sql[i] === q) {
      if (sql[i + 1] === q) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/** The index of the `}` closing a placeholder's type, skipping quoted text and nested parentheses. */
function braceEnd(sql: string, from: number): number {
  let i = from;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '`' || c === '"') i = quotedEnd(sql, i);
    else if (c === '}') return i;
    else if (c === '{' || c === ';') return -1;
    else i++;
  }
  return -1;
}
