import type { AstNode } from './sql-ast';
import { SqlRefusal, accessDenied, notReadOnly } from './sql-refusal';

/** What a statement on the SQL endpoint may name. */
export interface SqlScope {
  /** The ledger's database: its tables and views are readable, unqualified or qualified. */
  database: string;
  /** Every table function the engine knows, lower-cased (from `system.table_functions`). */
  tableFunctions: ReadonlySet<string>;
}

/** System tables a client may read: catalogue and health, nothing that shows other callers' queries or the host. */
export const READABLE_SYSTEM_TABLES: ReadonlySet<string> = new Set([
  'one', 'numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'databases', 'tables', 'columns', 'functions', 'table_functions',
  'formats', 'data_type_families', 'time_zones', 'settings', 'contributors',
]);

/** Table functions that read nothing outside the engine and are bounded by the query caps. */
export const SAFE_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'generate_series', 'generateseries', 'values']);

// Scalar functions that reach outside the ledger (other tables, dictionaries with their
// own sources, model files, server configuration); table functions are refused by name
// wherever they appear, since `file()` and `url()` exist as scalars too.
const DENIED_FUNCTIONS = /^(joinget|joingetornull|dict[a-z]*|getserversetting|catboostevaluate|naivebayesclassifier|showcertificate|filesystem[a-z]*|getclienthttpheader)$/;

// Table function names that are also plain scalar functions reading nothing outside the query
// (`format('{}-{}', a, b)`); as table functions (under FROM) they are refused all the same.
const HARMLESS_SCALARS = new Set(['format']);

const IN_FUNCTIONS = new Set(['in', 'notin', 'globalin', 'globalnotin', 'nullin', 'notnullin', 'globalnullin', 'globalnotnullin']);
const SELECT_KINDS = new Set(['SelectWithUnionQuery', 'SelectIntersectExceptQuery', 'SelectQuery']);
// Parts of a SELECT whose kind names end in Query too.
const SELECT_PARTS = new Set(['TablesInSelectQuery']);
const EXPLAIN_KINDS = new Set(['EXPLAIN', 'EXPLAIN AST', 'EXPLAIN SYNTAX', 'EXPLAIN QUERY TREE', 'EXPLAIN PLAN', 'EXPLAIN PIPELINE', 'EXPLAIN ESTIMATE']);

/** What a checked statement asks for beyond its rows. */
export interface CheckedStatement {
  /** The output format named by a `FORMAT` clause, if any. */
  format?: string;
}

/**
 * Decides whether the statement whose `EXPLAIN AST` tree is `root` may run on the
 * read-only endpoint, and throws a `SqlRefusal` naming what was refused otherwise.
 * Allowed: one SELECT / WITH ... SELECT (set operations and subqueries included), SHOW
 * TABLES / DATABASES / CREATE TABLE, DESCRIBE TABLE, EXISTS, and EXPLAIN of a SELECT,
 * naming only the ledger's tables, a short list of system tables and bounded generator
 * table functions; no INTO OUTFILE and no SETTINGS clause (settings are URL parameters,
 * where they are clamped to the server's caps). `formatted` is the statement as the
 * engine's `formatQuery` printed it: the SHOW and EXISTS trees do not tell a `FORMAT` name
 * from a database or table name (`SHOW TABLES FORMAT TSV` and `SHOW TABLES FROM TSV` dump
 * alike), the printed text does.
 */
export function checkStatement(root: AstNode, scope: SqlScope, formatted = ''): CheckedStatement {
  const checked = checkKind(root, scope, formatClause(formatted));
  checkHostColumns(root);
  return checked;
}

// System tables whose rows carry host paths (`data_path`, `metadata_path`, `data_paths`):
// a statement reading them names its columns, and none of those.
const PATH_TABLES = new Set(['system.databases', 'system.tables']);
const WILDCARDS = /^(Asterisk|QualifiedAsterisk|ColumnsRegexpMatcher|QualifiedColumnsRegexpMatcher|ColumnsListMatcher|QualifiedColumnsListMatcher)$/;

function checkHostColumns(root: AstNode): void {
  let pathTable: string | undefined;
  const visit = (n: AstNode, f: (n: AstNode) => void) => {
    f(n);
    for (const c of n.children) visit(c, f);
  };
  visit(root, (n) => {
    if (n.kind === 'TableIdentifier' && PATH_TABLES.has(n.detail.split(' ')[0] ?? '')) pathTable ??= n.detail.split(' ')[0];
  });
  if (pathTable === undefined) return;
  visit(root, (n) => {
    if (WILDCARDS.test(n.kind)) throw accessDenied(`${pathTable}: name the columns you need (* would show the host's paths)`);
    if (n.kind === 'Identifier' && /path/i.test(n.detail.split(' ')[0]!.split('.').at(-1) ?? '')) throw accessDenied(`${pathTable}: its path columns are not readable here (they show the host's files)`);
  });
}

// formatQuery prints a FORMAT clause on a line of its own, at the end; a newline inside a
// literal or a quoted name is printed escaped, so this line can come from nothing else.
const FORMAT_LINE = /\nFORMAT (\S+)$/;

function formatClause(formatted: string): string | undefined {
  return FORMAT_LINE.exec(formatted.trimEnd())?.[1];
}

function checkKind(root: AstNode, scope: SqlScope, format: string | undefined): CheckedStatement {
  switch (root.kind) {
    case 'SelectWithUnionQuery':
    case 'SelectIntersectExceptQuery':
      return checkQueryWithOutput(root, scope);
    case 'Explain': {
      if (!EXPLAIN_KINDS.has(root.detail)) throw notReadOnly(root.detail || 'this EXPLAIN');
      let format: string | undefined;
      for (const c of root.children) {
        if (c.kind === 'Set') continue; // EXPLAIN's own options (indexes = 1, ...), not query settings
        if (c.kind === 'Identifier') format = c.detail;
        else if (SELECT_KINDS.has(c.kind)) checkQueryWithOutput(c, scope);
        else if (c.kind === 'Literal') throw notReadOnly('INTO OUTFILE');
        else throw notReadOnly(`EXPLAIN of ${c.kind}`);
      }
      return { format };
    }
    case 'DescribeQuery': {
      let format: string | undefined;
      for (const c of root.children) {
        if (c.kind === 'Identifier') format = c.detail;
        else if (c.kind === 'TableExpression') {
          const target = c.children[0];
          if (target?.kind === 'TableIdentifier') checkTable(target.detail, scope);
          else if (target?.kind === 'Subquery') walk(target, scope);
          else throw accessDenied('DESCRIBE of a table function is not allowed here: describe a table of the ledger');
        } else if (c.kind === 'Literal') throw notReadOnly('INTO OUTFILE');
        else throw notReadOnly(`DESCRIBE of ${c.kind}`);
      }
      return { format };
    }
    case 'ShowTables':
      return checkShow(root, scope, format, (ids) => {
        for (const id of ids) if (id !== scope.database && id !== 'system') throw accessDenied(`database ${id} is not served here: this endpoint serves ${scope.database}`);
      });
    case 'ShowCreateTableQuery':
    case 'ExistsTableQuery':
      return checkShow(root, scope, format, (ids) => {
        if (ids.length === 2) checkTable(`${ids[0]}.${ids[1]}`, scope);
        else if (ids.length !== 1) throw notReadOnly(root.kind);
      });
    default:
      throw notReadOnly(describeKind(root.kind));
  }
}

function checkShow(root: AstNode, scope: SqlScope, format: string | undefined, names: (ids: string[]) => void): CheckedStatement {
  const ids: string[] = [];
  for (const c of root.children) {
    if (c.kind === 'Identifier') ids.push(c.detail);
    else if (c.kind === 'Literal') throw notReadOnly('INTO OUTFILE');
    else walk(c, scope);
  }
  // The FORMAT name is the tree's last identifier.
  if (format !== undefined && ids.at(-1) === format) ids.pop();
  names(ids);
  return format === undefined ? {} : { format };
}

/** A SELECT at the top of a statement: its children after the first are output clauses. */
function checkQueryWithOutput(node: AstNode, scope: SqlScope): CheckedStatement {
  let format: string | undefined;
  node.children.forEach((c, i) => {
    if (i === 0) walk(c, scope);
    else if (c.kind === 'Identifier') format = c.detail;
    else if (c.kind === 'Literal') throw notReadOnly('INTO OUTFILE');
    else if (c.kind === 'Set') throw settingsClause();
    else walk(c, scope);
  });
  return { format };
}

function walk(node: AstNode, scope: SqlScope): void {
  switch (node.kind) {
    case 'Set':
      throw settingsClause();
    case 'TableIdentifier':
      checkTable(node.detail, scope);
      return;
    case 'TableExpression': {
      const target = node.children[0];
      if (target?.kind === 'Function') {
        const name = functionName(target);
        const raw = target.detail.split(' ')[0] ?? '';
        // A name the engine does not know as a table function is a parameterized view
        // (`daily_costs(from = ..., to = ...)`): the ledger's own, or checked as a table.
        if (raw.includes('.')) checkTable(raw, scope);
        else if (!scope.tableFunctions.has(name)) break;
        else if (!SAFE_TABLE_FUNCTIONS.has(name)) throw accessDenied(`table function ${name}() is not allowed here (allowed: ${[...SAFE_TABLE_FUNCTIONS].join(', ')})`);
      }
      break;
    }
    case 'Function': {
      const name = functionName(node);
      if (DENIED_FUNCTIONS.test(name) || (scope.tableFunctions.has(name) && !SAFE_TABLE_FUNCTIONS.has(name) && !HARMLESS_SCALARS.has(name))) {
        throw accessDenied(`function ${name}() is not allowed here: it reads outside the ledger`);
      }
      if (IN_FUNCTIONS.has(name)) {
        // `x IN db.table` reads a table named by a plain identifier.
        const rhs = node.children[0]?.children[1];
        if (rhs?.kind === 'Identifier' && rhs.detail.includes('.')) checkTable(rhs.detail, scope);
      }
      break;
    }
    case 'SelectWithUnionQuery':
      node.children.forEach((c, i) => {
        if (i > 0 && c.kind === 'Literal') throw notReadOnly('INTO OUTFILE');
      });
      break;
    default:
      if (node.kind.endsWith('Query') && !SELECT_KINDS.has(node.kind) && !SELECT_PARTS.has(node.kind)) throw notReadOnly(describeKind(node.kind));
  }
  for (const c of node.children) walk(c, scope);
}

function functionName(node: AstNode): string {
  return (node.detail.split(' ')[0] ?? '').toLowerCase();
}

/** A table name as the dump prints it (`table`, `db.table`): only the ledger's, or an allowed system table. */
function checkTable(name: string, scope: SqlScope): void {
  if (/[\s`"]/.test(name) || name === '') throw accessDenied(`table name ${JSON.stringify(name)} is not allowed here: use the plain names of the ledger's tables`);
  const parts = name.split('.');
  if (parts.length === 1) return; // the ledger database (the current one) or a WITH name
  if (parts.length === 2) {
    const [db, table] = parts as [string, string];
    if (db === scope.database) return;
    if (db === 'system' && READABLE_SYSTEM_TABLES.has(table)) return;
    if (db === 'system') throw accessDenied(`system.${table} is not readable here (readable: ${[...READABLE_SYSTEM_TABLES].map((t) => `system.${t}`).join(', ')})`);
  }
  throw accessDenied(`table ${name} is outside the ledger database ${scope.database}`);
}

function settingsClause(): SqlRefusal {
  return new SqlRefusal(400, 452, 'SETTING_CONSTRAINT_VIOLATION', 'a SETTINGS clause is not allowed in the query: send settings as URL parameters, where they are clamped to the server caps');
}

const KIND_NAMES: Record<string, string> = {
  InsertQuery: 'INSERT', AlterQuery: 'ALTER', CreateQuery: 'CREATE', DropQuery: 'DROP', RenameQuery: 'RENAME', UseQuery: 'USE',
  SetQuery: 'SET', KillQueryQuery: 'KILL', SystemQuery: 'SYSTEM', OptimizeQuery: 'OPTIMIZE', CheckQuery: 'CHECK', ShowColumns: 'SHOW COLUMNS (use DESCRIBE TABLE)',
  ShowProcesslistQuery: 'SHOW PROCESSLIST', ShowGrantsQuery: 'SHOW GRANTS', DeleteQuery: 'DELETE', UndropQuery: 'UNDROP', TruncateQuery: 'TRUNCATE',
};

function describeKind(kind: string): string {
  return KIND_NAMES[kind] ?? kind.replace(/Query$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}
