import { parseScaled } from '../pipeline';
import type { BudgetSpec } from './ports';
import type { ReservedTotal } from './reservations';
import type { PeriodSpend, SpendBook } from './spend-book';
import type { BudgetState } from './types';

/**
 * One budget as a decision reads it: a tenant's or a team's, its limit and warning
 * threshold worked out once (exact nano-USD), the live reserved total it counts against,
 * and the period of spend it last looked at.
 */
export class BudgetScope {
  /** The scope key (`tenantScopeKey`, `teamScopeKey`) its spend and reservations are filed under. */
  readonly key: string;
  readonly scope: 'tenant' | 'team';
  readonly subject: string;
  readonly budget: BudgetSpec;
  readonly limitNano: bigint;
  /** limit × warnAtPercent, rounded down to the nano-USD. */
  readonly warnAtNano: bigint;
  readonly reserved: ReservedTotal;
  #period: PeriodSpend | undefined;

  constructor(key: string, scope: 'tenant' | 'team', subject: string, budget: BudgetSpec, reserved: ReservedTotal) {
    this.key = key;
    this.scope = scope;
    this.subject = subject;
    this.budget = budget;
    this.limitNano = parseScaled(budget.amount, 9);
    this.warnAtNano = (this.limitNano * BigInt(Math.round(budget.warnAtPercent * 1000))) / 100_000n;
    this.reserved = reserved;
  }

  /** The scope's spend in the period holding `nowMs` (the last one looked at while it still holds). */
  periodAt(nowMs: number, spend: SpendBook): PeriodSpend {
    const p = this.#period;
    if (p !== undefined && nowMs >= p.startMs && nowMs < p.endMs) return p;
    return (this.#period = spend.periodOf(this.key, this.budget, nowMs));
  }

  /** What is reserved against it now, here and on the other replicas. */
  reservedNano(): bigint {
    return this.reserved.reservedNano + this.reserved.remoteNano;
  }

  /** Its figures with the spend of period `p`. */
  stateIn(p: PeriodSpend): BudgetState {
    return {
      scope: this.scope,
      subject: this.subject,
      limitNano: this.limitNano,
      warnAtNano: this.warnAtNano,
      spentNano: p.spentNano,
      reservedNano: this.reserved.reservedNano + this.reserved.remoteNano,
      currency: this.budget.currency,
      period: this.budget.period,
      periodStartMs: p.startMs,
      periodEndMs: p.endMs,
      warnAtPercent: this.budget.warnAtPercent,
    };
  }
}
