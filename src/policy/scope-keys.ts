/** The key a tenant's budget scope is filed under, by spend and by reservations alike. */
export function tenantScopeKey(tenantId: string): string {
  return `tenant|${tenantId}`;
}

/** The key a team's budget scope is filed under. */
export function teamScopeKey(team: string): string {
  return `team|${team}`;
}
