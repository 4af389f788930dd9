/** What every stage's validation error carries: zod's issue, and anything shaped like it. */
export interface IssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Where an issue is: its path dotted (`budget.amount`), or `whole` for the value as a whole. */
export function issuePath(issue: IssueLike, whole = 'body'): string {
  return issue.path.map(String).join('.') || whole;
}

/**
 * Every issue as `where: message`, the one wording of validation errors: HTTP 400 bodies
 * join the lines with `; `, file loaders list them one per line. `where` is `issuePath`
 * unless the caller names entries better (a registry entry by its id, say).
 */
export function issueLines(issues: readonly IssueLike[], opts: { whole?: string; where?: (issue: IssueLike) => string } = {}): string[] {
  const where = opts.where ?? ((i: IssueLike) => issuePath(i, opts.whole));
  return issues.map((i) => `${where(i)}: ${i.message}`);
}
