/** Reports: workflow drill-down now; chargeback, audit, quality, reconciliation and FOCUS export next. */
export { createWorkflowQueries, type CostNode, type Totals } from './workflow-queries';
export { registerWorkflowRoutes, type AdminCheck } from './workflow-routes';
