/** Why a call is warned about or refused. */
export type PolicyReason = 'budget_warning' | 'budget_exceeded' | 'model_not_allowed' | 'model_unpriced' | 'rate_limited' | 'unknown_tenant' | 'missing_metadata';

/** A gateway's question before one call. */
export interface DecideInput {
  tenantId?: string;
  tenantToken?: string;
  tenantTokenSha256?: string;
  provider?: string;
  model?: string;
  estimatedInputTokens?: number;
  maxTokens?: number;
  /** Unique within the tenant only: another tenant may use the same one. */
  requestId?: string;
  /** Hold the call's maximum cost against the budget until its span arrives. */
  reserve: boolean;
  /**
   * The gateway sender asking; its reservation is then closed by a gateway's span only when
   * that gateway sent it (any span of the tenant's own senders closes it too).
   */
  gatewayId?: string;
}

/** Which reservation to release: by id, or by request id within a tenant (named as in a decide). */
export interface SettleQuery {
  reservationId?: string;
  requestId?: string;
  tenantId?: string;
  tenantToken?: string;
  tenantTokenSha256?: string;
  /** The gateway asking: it releases only reservations it opened (or that named no gateway). */
  gatewayId?: string;
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

/**
 * A budget event, stored, logged and sent to webhooks once per scope, period and kind:
 * `budget_warning` when spend plus open reservations reaches the warn threshold;
 * `budget_exhausted` at the first decision denied for the budget (spend plus reservations
 * plus the call's maximum would pass the limit); `budget_exceeded` when settled spend alone
 * reaches the limit.
 */
export interface PolicyEvent {
  eventId: string;
  createdAtMs: number;
  kind: PolicyEventKind;
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

/** What a budget event says happened; see `PolicyEvent`. */
export type PolicyEventKind = 'budget_warning' | 'budget_exhausted' | 'budget_exceeded';

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
