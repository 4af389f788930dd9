/** Policy: budgets, reservations, allowed models and rate limits the gateway asks before each call. */
export { policyConfigSchema, type PolicyConfig } from './config';
export { createPolicyEngine, type PolicyEngine, type PolicyEngineOptions } from './policy-engine';
export { usd } from './budget-message';
export { guardWrites } from './guard-writes';
export { type PolicyStore, type SpendRow, type StoredRequest } from './policy-store';
export { registerPolicyRoutes, render, type GatewayCheck } from './routes';
export { createWebhookSender, eventPayload, signature, type DeliveryReport } from './webhooks';
export { createPeriodCalculator, type PeriodBounds } from './periods';
export { compileAllowlist } from './model-allowlist';
export { RateLimiter } from './rate-limiter';
export type { BudgetSpec, EstimateCost, PolicyDirectory, PolicyTenant } from './ports';
export type { Decision, DecideInput, PolicyEvent, PolicyEventKind, PolicyPersistence, ReservationSnapshot, DecisionRow, SettleQuery } from './types';
export * from './ext-authz';
