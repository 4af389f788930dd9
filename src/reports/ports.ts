/** What reports need from the registry's ownership map, per team. */
export interface TeamFinance {
  costCenter: string;
  businessUnit: string;
  /** Decimal string, "1" when none. */
  transferMultiplier: string;
}

/** Looks up a team's finance data; undefined when the registry does not list the team. */
export type TeamDirectory = (team: string) => TeamFinance | undefined;

/** A reporting period as the ledger's queries take it: DateTime64 literals (UTC), `to` exclusive. */
export interface LedgerPeriod {
  from: string;
  to: string;
}

/** A row of a ledger query: figures as exact decimal strings (money in nano-USD). */
export type LedgerRow = Record<string, string>;

/**
 * What reports read from the ledger: its named queries (`createReportQueries` in
 * `src/ledger/`, handed in by the service). Money is the ledger's one billed cost.
 */
export interface ReportLedger {
  dailyCosts(p: LedgerPeriod): Promise<LedgerRow[]>;
  topRoutes(p: LedgerPeriod, limit: number): Promise<LedgerRow[]>;
  costByDimension(p: LedgerPeriod): Promise<LedgerRow[]>;
  costByUser(p: LedgerPeriod): Promise<LedgerRow[]>;
  teamDays(p: LedgerPeriod): Promise<LedgerRow[]>;
  qualityTotals(p: LedgerPeriod): Promise<LedgerRow>;
  unpricedModels(p: LedgerPeriod): Promise<LedgerRow[]>;
  unmappedLlmSpans(p: LedgerPeriod): Promise<number>;
  invoiceTotal(p: LedgerPeriod): Promise<LedgerRow>;
  invoiceByDay(p: LedgerPeriod): Promise<LedgerRow[]>;
  ledgerByDay(p: LedgerPeriod, edgeHours: number): Promise<LedgerRow[]>;
  writeInvoiceLines(fileSha256: string, source: string, lines: readonly { day: string; provider: string; model: string; costNano: bigint; currency: string }[]): Promise<void>;
  unallocatedReasons(p: LedgerPeriod): Promise<LedgerRow[]>;
  budgetEvents(p: LedgerPeriod, limit: number): Promise<LedgerRow[]>;
  decisionCounts(p: LedgerPeriod): Promise<LedgerRow[]>;
  recentDecisions(p: LedgerPeriod, limit: number): Promise<LedgerRow[]>;
  pricesInUse(p: LedgerPeriod): Promise<LedgerRow[]>;
  priceAdjustments(p: LedgerPeriod): Promise<LedgerRow[]>;
}

/** A budget as the registry states it (the policy's `BudgetSpec`). */
export interface BudgetSpecView {
  amount: string;
  currency: string;
  period: 'day' | 'week' | 'month';
  warnAtPercent: number;
  timeZone: string;
}

/**
 * What the budgets report reads: the registry's budgets, the policy's spend and reservation
 * reads of the ledger (the same named queries its refresh uses), and its period rule.
 */
export interface BudgetSource {
  directory(): {
    readonly tenantById: ReadonlyMap<string, { id: string; team: string; budget?: BudgetSpecView }>;
    readonly costCenterByTeam: ReadonlyMap<string, { budget?: BudgetSpecView }>;
  };
  store: {
    spend(startMs: number, endMs: number, nowMs?: number): Promise<{ tenant: string; team: string; nano: string }[]>;
    reservationSnapshots(nowMs: number, maxAgeMs: number): Promise<{ tenant: string; team: string; reservedNano: bigint }[]>;
    emittedEvents(nowMs: number): Promise<string[]>;
  };
  /** How old a replica's reservation snapshot may be and still count (the policy's `reservationTtlMs`). */
  reservationMaxAgeMs: number;
  /** The budget period holding `atMs`, as the policy computes it. */
  bounds(period: 'day' | 'week' | 'month', timeZone: string, atMs: number): { startMs: number; endMs: number };
}

/** What the drill-down reads from the ledger (`createDrilldownQueries` in `src/ledger/`). */
export interface DrilldownLedger {
  traceSpans(traceId: string): Promise<{ span_id: string; parent_span_id: string; name: string; service: string; kind: string; start: string; duration_ms: number; status: string }[]>;
  traceCalls(traceId: string): Promise<(Record<string, unknown> & { span_id: string; billed: string })[]>;
  traceTotals(traceId: string): Promise<Record<string, string | number> | undefined>;
  sessionTotals(sessionId: string, from: string, to: string): Promise<Record<string, string | number> | undefined>;
  sessionTraces(sessionId: string, from: string, to: string): Promise<Record<string, string | number>[]>;
  costliestSessions(from: string, to: string, team: string, limit: number): Promise<Record<string, string | number>[]>;
}
