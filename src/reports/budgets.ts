import { parseScaled } from '../pipeline';
import type { Period } from './period';
import type { BudgetSource, BudgetSpecView, ReportLedger } from './ports';

/** A budget's state: under its warning threshold, past it, or at its limit (calls are denied). */
export type BudgetStateName = 'ok' | 'warn' | 'denied';

/** One tenant or team budget in its current period, exact nano-USD as decimal strings. */
export interface BudgetLine {
  scope: 'tenant' | 'team';
  subject: string;
  /** The tenant's team (tenant budgets), or the team itself. */
  team: string;
  period: 'day' | 'week' | 'month';
  time_zone: string;
  period_start: string;
  period_end: string;
  currency: string;
  limit_nano_usd: string;
  warn_at_percent: number;
  warn_at_nano_usd: string;
  spent_nano_usd: string;
  reserved_nano_usd: string;
  /** limit − spent − reserved, never below zero. */
  remaining_nano_usd: string;
  /** The spend at the period's end if it goes on at the rate since the period's start. */
  forecast_nano_usd: string;
  state: BudgetStateName;
  /** Budget events already emitted in this period (`budget_warning`, `budget_exhausted`, `budget_exceeded`). */
  events: string[];
}

/** The budgets report. */
export interface BudgetsReport {
  period: string;
  as_of: string;
  budgets: BudgetLine[];
  /** Budget events created in the report's period, newest first (at most 200). */
  events: Record<string, string>[];
  decisions: { by_outcome: { outcome: string; reason: string; decisions: number }[]; recent: Record<string, string>[] };
}

const RANK: Record<BudgetStateName, number> = { ok: 0, warn: 1, denied: 2 };

/**
 * Every tenant and team budget of the registry in its current period (as of `nowMs`): the
 * limit, the spend and open reservations as the policy reads them from the ledger (its
 * `spend` and `reservationSnapshots` queries: billed cost, duplicates once, re-rating
 * included; reservations of every replica's latest fresh snapshot), the forecast to the
 * period's end at the rate since its start, and the state. The state is `denied` when spend
 * plus reservations reach the limit, or the policy already emitted `budget_exhausted` or
 * `budget_exceeded` for this period; `warn` when they reach the warning threshold
 * (limit × warnAtPercent, as the policy computes it) or it emitted `budget_warning`; else
 * `ok`. Also the budget events and the recorded policy decisions of the report's period.
 */
export async function budgets(ledger: ReportLedger, source: BudgetSource, period: Period, nowMs = Date.now()): Promise<BudgetsReport> {
  const dir = source.directory();
  type Spec = { scope: 'tenant' | 'team'; subject: string; team: string; budget: BudgetSpecView };
  const specs: Spec[] = [];
  for (const t of dir.tenantById.values()) if (t.budget) specs.push({ scope: 'tenant', subject: t.id, team: t.team, budget: t.budget });
  for (const [team, cc] of dir.costCenterByTeam) if (cc.budget) specs.push({ scope: 'team', subject: team, team, budget: cc.budget });
  specs.sort((a, b) => a.scope.localeCompare(b.scope) || a.subject.localeCompare(b.subject));

  // One spend read per distinct period (most registries use one or two).
  const windows = new Map<string, { startMs: number; endMs: number; rows?: Promise<{ tenant: string; team: string; nano: string }[]> }>();
  const windowOf = (b: BudgetSpecView) => {
    const w = source.bounds(b.period, b.timeZone, nowMs);
    const key = `${w.startMs}|${w.endMs}`;
    let entry = windows.get(key);
    if (entry === undefined) {
      entry = { ...w, rows: source.store.spend(w.startMs, w.endMs, nowMs) };
      windows.set(key, entry);
    }
    return entry;
  };
  const specWindows = specs.map((s) => windowOf(s.budget));
  const p = { from: period.from, to: period.to };
  const [snapshots, emitted, events, counts, recent] = await Promise.all([
    source.store.reservationSnapshots(nowMs, source.reservationMaxAgeMs),
    source.store.emittedEvents(nowMs),
    ledger.budgetEvents(p, 200),
    ledger.decisionCounts(p),
    ledger.recentDecisions(p, 50),
  ]);
  const spendRows = await Promise.all(specWindows.map((w) => w.rows!));

  const lines = specs.map((s, i): BudgetLine => {
    const w = specWindows[i]!;
    const mine = (r: { tenant: string; team: string }) => (s.scope === 'tenant' ? r.tenant === s.subject : r.team === s.subject);
    const spent = spendRows[i]!.filter(mine).reduce((sum, r) => sum + BigInt(r.nano), 0n);
    const reserved = snapshots.filter(mine).reduce((sum, r) => sum + r.reservedNano, 0n);
    const limit = parseScaled(s.budget.amount, 9);
    const warnAt = (limit * BigInt(Math.round(s.budget.warnAtPercent * 1000))) / 100_000n;
    const elapsed = BigInt(Math.max(0, Math.min(nowMs, w.endMs) - w.startMs));
    const length = BigInt(w.endMs - w.startMs);
    const forecast = elapsed > 0n ? (spent * length) / elapsed : spent;
    const kinds = emitted
      .filter((k) => k.startsWith(`${s.scope}|${s.subject}|${w.startMs}|`))
      .map((k) => k.slice(k.lastIndexOf('|') + 1))
      .sort();
    const used = spent + reserved;
    let state: BudgetStateName = used >= limit ? 'denied' : used >= warnAt ? 'warn' : 'ok';
    const byEvents: BudgetStateName = kinds.includes('budget_exhausted') || kinds.includes('budget_exceeded') ? 'denied' : kinds.includes('budget_warning') ? 'warn' : 'ok';
    if (RANK[byEvents] > RANK[state]) state = byEvents;
    const remaining = limit - used;
    return {
      scope: s.scope, subject: s.subject, team: s.team, period: s.budget.period, time_zone: s.budget.timeZone,
      period_start: new Date(w.startMs).toISOString(), period_end: new Date(w.endMs).toISOString(), currency: s.budget.currency,
      limit_nano_usd: limit.toString(), warn_at_percent: s.budget.warnAtPercent, warn_at_nano_usd: warnAt.toString(),
      spent_nano_usd: spent.toString(), reserved_nano_usd: reserved.toString(), remaining_nano_usd: (remaining > 0n ? remaining : 0n).toString(),
      forecast_nano_usd: forecast.toString(), state, events: kinds,
    };
  });
  return {
    period: period.label,
    as_of: new Date(nowMs).toISOString(),
    budgets: lines,
    events,
    decisions: {
      by_outcome: counts.map((c) => ({ outcome: c.outcome!, reason: c.reason!, decisions: Number(c.decisions) })),
      recent,
    },
  };
}
