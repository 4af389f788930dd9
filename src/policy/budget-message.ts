import { formatNanoUsd } from '../pipeline';
import type { BudgetState, PolicyEventKind } from './types';

/** Human figures for messages: "$10.00". */
export function usd(nano: bigint): string {
  return `$${decimalUsd(nano)}`;
}

/** Dollars as a decimal with at least two places and no trailing zeros beyond them: "10.00", "0.001". */
export function decimalUsd(nano: bigint): string {
  const s = formatNanoUsd(nano);
  // formatNanoUsd always writes nine decimals; every decision renders several of these,
  // so the zeros are trimmed by hand rather than by a regular expression.
  const keep = s.length - 7;
  let end = s.length;
  while (end > keep && s.charCodeAt(end - 1) === 48) end--;
  return s.slice(0, end);
}

/** The sentence a decision or event states about one budget: its figures, the call's most (when given) and the period. */
export function budgetMessage(b: BudgetState, kind: PolicyEventKind, estimateNano = 0n): string {
  const remaining = b.limitNano - b.spentNano - b.reservedNano;
  const period = `${b.period === 'month' ? 'monthly' : b.period === 'week' ? 'weekly' : 'daily'} budget`;
  const head = kind === 'budget_exceeded' ? 'Budget exceeded' : kind === 'budget_exhausted' ? 'Budget exhausted' : 'Budget warning';
  const estimateText = estimateNano > 0n ? `, this call up to ${usd(estimateNano)}` : '';
  return `${head} for ${b.scope} ${b.subject}: ${period} ${usd(b.limitNano)} ${b.currency}, spent ${usd(b.spentNano)}, reserved ${usd(b.reservedNano)}, remaining ${usd(remaining > 0n ? remaining : 0n)}${estimateText}; period ${new Date(b.periodStartMs).toISOString()} to ${new Date(b.periodEndMs).toISOString()}, resets ${new Date(b.periodEndMs).toISOString()}`;
}
