import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DECISION_JSON_SCHEMA, render } from './routes';
import type { Decision } from './types';

// fastify serializes decisions through DECISION_JSON_SCHEMA and drops what it does not
// declare, so every field render can write must be declared, at every depth.
test('the response schema declares every field a fully populated decision renders', () => {
  const budget = {
    scope: 'tenant' as const, subject: 't', limitNano: 10n, spentNano: 9n, reservedNano: 1n, currency: 'USD', period: 'month' as const,
    periodStartMs: 0, periodEndMs: 1, warnAtPercent: 80, warnAtNano: 8n,
  };
  const d: Decision = {
    decisionId: 'd', decision: 'deny', reason: 'budget_exceeded', message: 'm', tenant: 't', budgets: [budget, { ...budget, scope: 'team' }],
    reservation: { id: 'r', amountNano: 1n, expiresAtMs: 2 }, retryAfterS: 3,
  };
  const missing: string[] = [];
  const walk = (value: unknown, schema: { type?: string; properties?: Record<string, unknown>; items?: unknown } | undefined, at: string) => {
    if (schema === undefined) return void missing.push(at);
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, schema.items as typeof schema, `${at}[${i}]`));
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, schema.properties?.[k] as typeof schema, `${at}.${k}`);
    }
  };
  const out = render(d);
  walk(out, DECISION_JSON_SCHEMA as Parameters<typeof walk>[1], 'decision');
  assert.deepEqual(missing, []);
  assert.deepEqual(Object.keys(out).sort(), ['budget', 'decision', 'decision_id', 'error', 'message', 'other_budgets', 'reason', 'reservation', 'retry_after', 'tenant']);
});
