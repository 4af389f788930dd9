/** Reports: workflow drill-down, chargeback, audit, data quality, invoice reconciliation, FOCUS export. */
export { createWorkflowQueries, type CostNode, type Totals } from './workflow-queries';
export { registerWorkflowRoutes, type AdminCheck } from './workflow-routes';
export { registerReportRoutes, toCsv, type ReportRouteOptions } from './reports-routes';
export { createReportLane } from './report-lane';
export { reportsConfigSchema, type ReportsConfig } from './config';
export { chargeback, CHARGEBACK_DIMENSIONS, type Chargeback, type Dimension } from './chargeback';
export { audit, type AuditLine, type Anomaly } from './audit';
export { quality, type QualityReport } from './quality';
export { budgets, type BudgetsReport, type BudgetLine, type BudgetStateName } from './budgets';
export { prices, priceOrigin, type PricesReport, type PriceLine } from './prices';
export { reconcile, EXPLANATION_ORDER, type GapCategory } from './reconciliation';
export { importInvoice, parseInvoice, detectFormat, type InvoiceFormat } from './invoice-import';
export { focusRows, focusColumns, FOCUS_COLUMNS, FOCUS_1_2_COLUMNS, FOCUS_VERSIONS, ALLOCATION_METHOD_ID, type FocusVersion } from './focus';
export { providerParties, type Parties } from './focus-parties';
export { parsePeriod, previousPeriod, chTime, type Period } from './period';
export { dollars } from './money-format';
export type { TeamDirectory, TeamFinance, ReportLedger, DrilldownLedger, LedgerPeriod, LedgerRow, BudgetSource, BudgetSpecView } from './ports';
