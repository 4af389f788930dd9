import { randomUUID } from 'node:crypto';
import { budgetMessage } from './budget-message';
import type { BudgetScope } from './budget-scope';
import type { PeriodSpend } from './spend-book';
import type { PolicyEvent, PolicyEventKind } from './types';

/** One bit per event kind, kept per scope and period. */
const EVENT_FLAG: Record<PolicyEventKind, number> = { budget_warning: 1, budget_exhausted: 2, budget_exceeded: 4 };
const EVENT_KINDS = Object.keys(EVENT_FLAG) as PolicyEventKind[];
const WARNED_AND_EXCEEDED = EVENT_FLAG.budget_warning | EVENT_FLAG.budget_exceeded;

/**
 * Budget events, each emitted once per scope, period and kind (see `PolicyEvent`): stored
 * and delivered as it fires. Remembers what fired in this process per period of spend, and
 * what was stored before this start.
 */
export class BudgetEvents {
  readonly #emit: (e: PolicyEvent) => void;
  // Events stored before this start (`scope|subject|periodStartMs|kind`): read when a
  // period is first looked at; from then on its bits in #fired say.
  readonly #before = new Set<string>();
  /** `EVENT_FLAG` bits per period of spend; a pruned period's go with it. */
  readonly #fired = new WeakMap<PeriodSpend, number>();

  /** `emit` stores and delivers one event; it is called once per event. */
  constructor(emit: (e: PolicyEvent) => void) {
    this.#emit = emit;
  }

  /** Keys `scope|subject|periodStartMs|kind` of events stored before this start, which are not emitted again. */
  storedBefore(keys: Iterable<string>): void {
    for (const k of keys) this.#before.add(k);
  }

  /** A decision was denied for this budget: `budget_exhausted`, once per period, naming the call's most. */
  exhausted(scope: BudgetScope, p: PeriodSpend, nowMs: number, estimateNano: bigint): void {
    if ((this.#flags(p) & EVENT_FLAG.budget_exhausted) === 0) this.#fire(scope, p, 'budget_exhausted', nowMs, estimateNano);
  }

  /**
   * The two events that follow from the figures alone: `budget_warning` when spend plus
   * reservations reaches the warn threshold, `budget_exceeded` when settled spend alone
   * reaches the limit (reservations that cross and are released again never stand in for
   * it). Allocates nothing unless one fires.
   */
  check(scope: BudgetScope, p: PeriodSpend, nowMs: number): void {
    const flags = this.#flags(p);
    if ((flags & WARNED_AND_EXCEEDED) === WARNED_AND_EXCEEDED) return;
    const spent = p.spentNano;
    if ((flags & EVENT_FLAG.budget_warning) === 0 && spent + scope.reservedNano() >= scope.warnAtNano) this.#fire(scope, p, 'budget_warning', nowMs);
    if ((flags & EVENT_FLAG.budget_exceeded) === 0 && spent >= scope.limitNano) this.#fire(scope, p, 'budget_exceeded', nowMs);
  }

  #flags(p: PeriodSpend): number {
    let flags = this.#fired.get(p);
    if (flags === undefined) {
      flags = 0;
      if (this.#before.size > 0) for (const kind of EVENT_KINDS) if (this.#before.has(`${p.key}|${kind}`)) flags |= EVENT_FLAG[kind];
      this.#fired.set(p, flags);
    }
    return flags;
  }

  #fire(scope: BudgetScope, p: PeriodSpend, kind: PolicyEventKind, nowMs: number, estimateNano = 0n): void {
    this.#fired.set(p, this.#flags(p) | EVENT_FLAG[kind]);
    const b = scope.stateIn(p);
    this.#emit({
      eventId: randomUUID(), createdAtMs: nowMs, kind, scope: b.scope, subject: b.subject,
      periodStartMs: b.periodStartMs, periodEndMs: b.periodEndMs, limitNano: b.limitNano, spentNano: b.spentNano,
      reservedNano: b.reservedNano, currency: b.currency, message: budgetMessage(b, kind, estimateNano),
    });
  }
}
