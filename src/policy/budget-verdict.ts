import type { BudgetState } from './types';

/** The most a reservation holds: int64 nano-USD ($9.2 billion), what the book can keep. */
export const MAX_RESERVATION_NANO = 2n ** 63n - 1n;

/** How a call's most fares against a tenant's budgets, in their order. */
export interface BudgetVerdict {
  /** The first budget the call would pass (spent plus reserved at or past the limit, or past it with the call), or -1. */
  deniedBy: number;
  /** The first budget before `deniedBy` that the call would bring to its warn threshold, or -1. */
  warnedBy: number;
}

/** Judges a call of most `estimateNano` against `budgets`; pure. */
export function budgetVerdict(budgets: readonly BudgetState[], estimateNano: bigint): BudgetVerdict {
  let warnedBy = -1;
  for (let i = 0; i < budgets.length; i++) {
    const b = budgets[i]!;
    const used = b.spentNano + b.reservedNano;
    if (used >= b.limitNano || used + estimateNano > b.limitNano) return { deniedBy: i, warnedBy };
    if (warnedBy < 0 && used + estimateNano >= b.warnAtNano) warnedBy = i;
  }
  return { deniedBy: -1, warnedBy };
}

/**
 * What to hold for a call of `tokens` (input plus maximum output) with no price: `tokens`
 * at the fallback rate, rounded up to the nano-USD.
 */
export function unpricedReserveNano(tokens: number, nanoPerMillionTokens: bigint): bigint {
  return (BigInt(tokens) * nanoPerMillionTokens + 999_999n) / 1_000_000n;
}

/** An amount as a reservation can hold it: budgets deny more than the cap anyway; without one, it only has to stay countable. */
export function cappedReserveNano(nano: bigint): bigint {
  return nano > MAX_RESERVATION_NANO ? MAX_RESERVATION_NANO : nano;
}
