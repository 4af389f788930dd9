// What the policy room needs from the registry and the price book, as plain shapes; the
// service hands in the real ones (the ownership registry satisfies these structurally).

/** A budget as the registry states it. */
export interface BudgetSpec {
  amount: string;
  currency: string;
  period: 'day' | 'week' | 'month';
  warnAtPercent: number;
  timeZone: string;
}

/** The parts of a tenant the policy uses. */
export interface PolicyTenant {
  id: string;
  team: string;
  budget?: BudgetSpec;
  rateLimits?: { requestsPerMinute?: number; tokensPerMinute?: number };
  allowedModels?: string[];
}

/** The registry in force, as the policy reads it. */
export interface PolicyDirectory {
  readonly tenantById: ReadonlyMap<string, PolicyTenant>;
  readonly tenantByTokenHash: ReadonlyMap<string, PolicyTenant>;
  readonly senderByTokenHash: ReadonlyMap<string, { id: string; gateway: boolean }>;
  readonly costCenterByTeam: ReadonlyMap<string, { budget?: BudgetSpec }>;
  readonly modelGroups: Readonly<Record<string, readonly string[]>>;
}

/** Most a call could cost, in nano-USD, or undefined when the model has no price. */
export type EstimateCost = (q: { provider: string; model: string; inputTokens: number; outputTokens: number; atMs: number }) => bigint | undefined;
