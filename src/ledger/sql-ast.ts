import { SqlRefusal } from './sql-refusal';

/** One node of the engine's `EXPLAIN AST` dump: `Kind detail (children N)`, one line a node. */
export interface AstNode {
  kind: string;
  /** What follows the kind on its line, without `(alias x)` and `(children N)`: a function or table name, a literal. */
  detail: string;
  children: AstNode[];
}

const CHILDREN = / \(children \d+\)$/;
const ALIAS = / \(alias [^()]*\)$/;

/**
 * Parses the text of `EXPLAIN AST` (one space of indentation a level) into its tree. The
 * dump is the engine parser's own reading of a statement, so every decision the SQL
 * endpoint makes is taken on what the engine will run, not on a second parser's guess.
 * A dump that is not one well-formed tree is refused rather than half-read.
 */
export function parseAstDump(text: string): AstNode {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const stack: AstNode[] = [];
  let root: AstNode | undefined;
  for (const line of lines) {
    const depth = line.length - line.trimStart().length;
    let rest = line.trim().replace(CHILDREN, '');
    rest = rest.replace(ALIAS, '');
    const space = rest.indexOf(' ');
    const node: AstNode = { kind: space < 0 ? rest : rest.slice(0, space), detail: space < 0 ? '' : rest.slice(space + 1).trim(), children: [] };
    if (depth === 0) {
      if (root !== undefined) throw unreadable();
      root = node;
    } else {
      const parent = stack[depth - 1];
      if (parent === undefined || depth > stack.length) throw unreadable();
      parent.children.push(node);
    }
    stack.length = depth;
    stack.push(node);
  }
  if (root === undefined) throw unreadable();
  return root;
}

function unreadable(): SqlRefusal {
  return new SqlRefusal(400, 62, 'SYNTAX_ERROR', 'the statement could not be analysed: send one plain statement');
}
