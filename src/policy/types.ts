/** Why a call is warned about or refused. */
export type PolicyReason = 'budget_warning' | 'budget_exceeded' | 'model_not_allowed' | 'rate_limited' | 'unknown_tenant' | 'missing_metadata';

/** A gateway's question before one call. */
export interface DecideInput {
  tenantId?: string;
  tenantToken?: string;
  tenantTokenSha256?: string;
  provider?: string;
  model?: string;
  estimatedInputTokens?: number;
  maxTokens?: number;
  requestId?: string;
  /** Hold the call's maximum cost against the budget until its span arrives. */
  reserve: boolean;
}

/** Budget figures of one scope for the current period, exact nano-USD. */
export interface BudgetState {
  scope: 'tenant' | 'team';
  subject: string;
  limitNano: bigint;
  spentNano: bigint;
  reservedNano: bigint;
  currency: string;
  period: 'day' | 'week' | 'month';
  periodStartMs: number;
  periodEndMs: number;
  warnAtPercent: number;
  /** The spend at which the warning starts: limit × warnAtPercent. */
  warnAtNano: bigint;
}

/** The answer. */
export interface Decision {
  decisionId: string;
  decision: 'allow' | 'warn' | 'deny';
  reason?: PolicyReason;
  tenant?: string;
  message?: string;
  budgets: BudgetState[];
  reservation?: { id: string; amountNano: bigint; expiresAtMs: number };
  retryAfterS?: number;
}

/** A budget threshold crossing, stored and sent to webhooks once per scope, period and kind. */
export interface PolicyEvent {
  eventId: string;
  createdAtMs: number;
  kind: 'budget_warning' | 'budget_exceeded';
  scope: 'tenant' | 'team';
  subject: string;
  periodStartMs: number;
  periodEndMs: number;
  limitNano: bigint;
  spentNano: bigint;
  reservedNano: bigint;
  currency: string;
  message: string;
}

/** One replica's open reservations for one tenant, as stored every refresh. */
export interface ReservationSnapshot {
  replicaId: string;
  tenant: string;
  team: string;
  openCount: number;
  reservedNano: bigint;
  expiresAtMs: number;
  updatedAtMs: number;
}

/** A recorded decision. */
export interface DecisionRow {
  decisionId: string;
  createdAtMs: number;
  tenant: string;
  requestId: string;
  provider: string;
  model: string;
  outcome: string;
  reason: string;
  reservedNano: bigint;
}

/** Where the policy's state goes; writes are fire-and-forget, never on the decision path. */
export interface PolicyPersistence {
  saveReservations(rows: ReservationSnapshot[]): void;
  saveEvent(e: PolicyEvent): void;
  saveDecision(d: DecisionRow): void;
}
